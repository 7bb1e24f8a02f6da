namespace PayoutVault.Core.Keys;

/// <summary>
/// Master keys a replica may still meet during a master-key switch (Vault:Keys:PreviousMasterKeyFiles). While an
/// operator re-wraps the key rows from one master key to another, replicas configured with both keep starting and
/// refreshing whichever key currently wraps the rows. Keys not configured here or as the master key still fail hard.
/// </summary>
public sealed class PreviousMasterKeys(IReadOnlyList<MasterKey> keys) : IDisposable
{
    public const string ConfigurationKey = "Vault:Keys:PreviousMasterKeyFiles";

    public static readonly PreviousMasterKeys None = new([]);

    public IReadOnlyList<MasterKey> Keys => keys;

    public static PreviousMasterKeys Load(IEnumerable<string> paths) =>
        new(paths.Where(p => !string.IsNullOrWhiteSpace(p)).Select(MasterKeyFile.Load).ToArray());

    public void Dispose()
    {
        foreach (var k in keys) k.Dispose();
    }
}

/// <summary>The configured master key plus any previous ones, looked up by id.</summary>
internal static class MasterKeyLookup
{
    public static IReadOnlyList<MasterKey> All(MasterKey current, PreviousMasterKeys? previous) =>
        [current, .. (previous ?? PreviousMasterKeys.None).Keys.Where(k => k.Id != current.Id)];

    public static MasterKey? Find(this IReadOnlyList<MasterKey> keys, string id) =>
        keys.FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.Ordinal));
}
