using Microsoft.Extensions.DependencyInjection.Extensions;
using PayoutVault.Server.Audit;
using PayoutVault.Server.Keys;
using PayoutVault.Server.Rotation;

// In the hosting namespace, beside the other Add* registrations, so VaultHost calls it without an extra using.
namespace PayoutVault.Server.Hosting;

/// <summary>Wires online key rotation: previous master keys, the rotator, the status reader and the re-encryption job.</summary>
public static class RotationRegistration
{
    public static IServiceCollection AddVaultKeyRotation(this IServiceCollection services)
    {
        services.AddOptions<RotationOptions>().BindConfiguration(RotationOptions.Section);
        // KeyStore and KeyRing take these optionally: a replica configured with them keeps starting and unwrapping
        // while the key rows are re-wrapped from one master key to another.
        services.TryAddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            return PreviousMasterKeys.Load(configuration.GetSection(PreviousMasterKeys.ConfigurationKey).Get<string[]>() ?? [],
                configuration.GetSection(PreviousMasterKeys.Pkcs11ConfigurationKey).Get<Keys.Hsm.Pkcs11Options>());
        });
        services.TryAddSingleton<AuditLog>();
        services.AddSingleton<ReencryptionJob>();
        services.AddHostedService(sp => sp.GetRequiredService<ReencryptionJob>());
        services.AddSingleton<KeyRotator>();
        services.AddSingleton<KeyStatusReader>();
        return services;
    }
}
