namespace PayoutVault.Core.Keys;

/// <summary>
/// Master keys a replica may still meet during a master-key switch (Vault:Keys:PreviousMasterKeyFiles). While an
/// operator re-wraps the key rows from one master key to another, replicas configured with both keep starting and
/// refreshing whichever key currently wraps the rows. Keys not configured here or as the master key still fail hard.
/// </summary>
public sealed class PreviousMasterKeys(IReadOnlyList<IMasterKey> keys) : IDisposable
{
    public const string ConfigurationKey = "Vault:Keys:PreviousMasterKeyFiles";

    public static readonly PreviousMasterKeys None = new([]);

    public IReadOnlyList<IMasterKey> Keys => keys;

    /// <summary>Vault:Keys:PreviousPkcs11: a key in a PKCS#11 token as the previous key (moving off the HSM).</summary>
    public const string Pkcs11ConfigurationKey = "Vault:Keys:PreviousPkcs11";

    public static PreviousMasterKeys Load(IEnumerable<string> paths, Hsm.Pkcs11Options? previousPkcs11 = null)
    {
        var keys = new List<IMasterKey>();
        try
        {
            keys.AddRange(paths.Where(p => !string.IsNullOrWhiteSpace(p)).Select(MasterKeyFile.Load));
            if (previousPkcs11 is { IsConfigured: true }) keys.Add(Hsm.Pkcs11MasterKey.Open(previousPkcs11, Pkcs11ConfigurationKey));
            return new PreviousMasterKeys(keys);
        }
        catch
        {
            foreach (var k in keys) k.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var k in keys) k.Dispose();
    }
}

/// <summary>The configured master key plus any previous ones, looked up by id.</summary>
internal static class MasterKeyLookup
{
    public static IReadOnlyList<IMasterKey> All(IMasterKey current, PreviousMasterKeys? previous) =>
        [current, .. (previous ?? PreviousMasterKeys.None).Keys.Where(k => k.Id != current.Id)];

    public static IMasterKey? Find(this IReadOnlyList<IMasterKey> keys, string id) =>
        keys.FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.Ordinal));
}
