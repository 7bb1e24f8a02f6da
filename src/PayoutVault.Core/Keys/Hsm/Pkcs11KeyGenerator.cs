using Microsoft.Extensions.Logging.Abstractions;
using Net.Pkcs11Interop.Common;

namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// Generates the master key inside the token (CKM_AES_KEY_GEN with <see cref="Pkcs11KeyAttributes.Template"/>): the
/// key value is made by the device and never exists anywhere else. Run by `vaultctl keys hsm-init`.
/// </summary>
public static class Pkcs11KeyGenerator
{
    /// <summary>Creates the key labelled <paramref name="label"/> (a new id when null); refuses if the label is taken.</summary>
    public static MasterKeyInfo Create(Pkcs11Options options, string? label = null)
    {
        label ??= MasterKeyFile.NewKeyId();
        var settings = new Pkcs11Options
        {
            ModulePath = options.ModulePath, TokenLabel = options.TokenLabel, Slot = options.Slot, PinFile = options.PinFile,
            KeyLabel = label, MaxSessions = 1,
        };
        if (settings.Problems("hsm").ToList() is { Count: > 0 } problems)
            throw new KeyConfigurationException(string.Join(" ", problems));

        var module = Pkcs11Module.Acquire(settings.ModulePath!);
        try
        {
            using var pool = new Pkcs11SessionPool(module, settings);
            module.Use((library, generation) => pool.Run(library, generation, session =>
            {
                var f = module.Factories;
                if (Pkcs11KeyAttributes.FindByLabel(f.ObjectAttributeFactory, session, label).Count > 0)
                    throw new KeyConfigurationException(
                        $"The {settings.TokenName} already holds an object labelled '{label}'; refusing to create another.");
                using var mechanism = f.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
                return session.GenerateKey(mechanism, Pkcs11KeyAttributes.Template(f.ObjectAttributeFactory, label));
            }));
        }
        catch (Exception e) when (e is Pkcs11Exception or TokenMissingException or PinRefusedException or TokenUnavailableException)
        {
            throw new KeyConfigurationException(e is Pkcs11Exception p ? $"{p.Method} returned {p.RV}" : e.Message);
        }
        finally
        {
            module.Release();
        }
        // Read back through the vault's own checks: what the vault will accept at start is what was made.
        using var key = Pkcs11MasterKey.Open(settings, "hsm", NullLogger.Instance);
        return new MasterKeyInfo(key.Id, key.CheckValue);
    }
}
