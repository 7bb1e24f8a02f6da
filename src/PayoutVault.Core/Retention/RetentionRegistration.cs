using PayoutVault.Core.Audit;
using PayoutVault.Core.Retention;

namespace PayoutVault.Core.Retention;

/// <summary>Wires the retention purge (PCI DSS 3.2.1): its options, checked at start, and the sweeping job.</summary>
public static class RetentionRegistration
{
    public static IServiceCollection AddVaultRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.CardsUnusedFor >= TimeSpan.FromDays(1),
                "Vault:Retention:CardsUnusedFor must be at least one day (e.g. 395.00:00:00).")
            .Validate(o => o.SweepInterval >= TimeSpan.FromSeconds(1) && o.SweepInterval <= TimeSpan.FromDays(7),
                "Vault:Retention:SweepInterval must be between one second and seven days.")
            .Validate(o => o.BatchSize is >= 1 and <= 10_000, "Vault:Retention:BatchSize must be 1-10000.")
            .ValidateOnStart();
        services.AddSingleton<RetentionPurgeJob>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionPurgeJob>());
        return services;
    }
}
