using Microsoft.Extensions.DependencyInjection.Extensions;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Rotation;

namespace PayoutVault.Core.Rotation;

/// <summary>Wires online key rotation: previous master keys, the rotator, the status reader and the re-encryption job.</summary>
public static class RotationRegistration
{
    public static IServiceCollection AddVaultKeyRotation(this IServiceCollection services)
    {
        services.AddOptions<RotationOptions>().BindConfiguration(RotationOptions.Section);
        // KeyStore and KeyRing take these optionally: a replica configured with them keeps starting and unwrapping
        // while the key rows are re-wrapped from one master key to another.
        services.TryAddSingleton(sp => PreviousMasterKeys.Load(
            sp.GetRequiredService<IConfiguration>().GetSection(PreviousMasterKeys.ConfigurationKey).Get<string[]>() ?? []));
        services.TryAddSingleton<AuditLog>();
        services.AddSingleton<ReencryptionJob>();
        services.AddHostedService(sp => sp.GetRequiredService<ReencryptionJob>());
        services.AddSingleton<KeyRotator>();
        services.AddSingleton<KeyStatusReader>();
        return services;
    }
}
