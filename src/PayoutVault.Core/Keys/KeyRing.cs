using System.Collections.Frozen;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace PayoutVault.Core.Keys;

/// <summary>
/// The unwrapped data and fingerprint keys, held in memory only. Readers get an immutable snapshot; a refresh swaps
/// in a new one, so a rotation made by another replica is picked up without locks on the hot path. Retired versions
/// stay loaded (old rows still decrypt under them); only the active version of a purpose ever encrypts.
/// </summary>
public sealed class KeyRing(KeyStore store, IMasterKey master, PreviousMasterKeys? previous = null) : IDisposable
{
    private sealed record Snapshot(
        FrozenDictionary<(KeyPurpose, int), Key> Keys, int ActiveData, int ActiveFingerprint);

    private Snapshot _snapshot = new(FrozenDictionary<(KeyPurpose, int), Key>.Empty, 0, 0);
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly List<Key> _owned = [];
    private readonly IReadOnlyList<IMasterKey> _masters = MasterKeyLookup.All(master, previous);

    public string MasterKeyId => master.Id;

    /// <summary>A configured master key (the current one or a previous one) by id, or null.</summary>
    internal IMasterKey? FindMaster(string id) => _masters.Find(id);

    public int ActiveVersion(KeyPurpose purpose) =>
        purpose == KeyPurpose.Data ? _snapshot.ActiveData : _snapshot.ActiveFingerprint;

    public IReadOnlyList<int> Versions(KeyPurpose purpose) =>
        _snapshot.Keys.Keys.Where(k => k.Item1 == purpose).Select(k => k.Item2).Order().ToArray();

    public Key Get(KeyPurpose purpose, int version) =>
        _snapshot.Keys.TryGetValue((purpose, version), out var key)
            ? key
            : throw new KeyConfigurationException($"Unknown {purpose.ToDb()} key version {version}.");

    public bool TryGet(KeyPurpose purpose, int version, out Key key) =>
        _snapshot.Keys.TryGetValue((purpose, version), out key!);

    /// <summary>
    /// Makes sure <paramref name="version"/> is loaded, reloading the key table once on a miss: another replica may
    /// have rotated and re-encrypted rows under a version this one has not loaded yet. Asynchronous, so a decrypt that
    /// meets a new version waits for the database without holding a thread.
    /// </summary>
    public async ValueTask EnsureLoadedAsync(KeyPurpose purpose, int version, CancellationToken ct)
    {
        if (TryGet(purpose, version, out _)) return;
        await RefreshAsync(ct);
    }

    /// <summary>Loads every key version from the database, unwrapping any this process has not seen yet.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        await _refreshLock.WaitAsync(ct);
        try
        {
            Apply(await store.LoadAllAsync(ct));
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    // Callers hold _refreshLock. Versions already loaded are kept as they are, so a running replica keeps working
    // after the rows were re-wrapped under a master key it does not have.
    private void Apply(IReadOnlyList<KeyStore.StoredKey> stored)
    {
        var keys = new Dictionary<(KeyPurpose, int), Key>(_snapshot.Keys);
        int activeData = 0, activeFp = 0;
        foreach (var k in stored)
        {
            if (k.Active && k.Purpose == KeyPurpose.Data) activeData = k.Version;
            if (k.Active && k.Purpose == KeyPurpose.Fingerprint) activeFp = k.Version;
            if (keys.ContainsKey((k.Purpose, k.Version))) continue;
            var wrapping = _masters.Find(k.MasterKeyId) ?? throw new KeyConfigurationException(
                $"{k.Purpose.ToDb()} key version {k.Version} is wrapped by unknown master key '{k.MasterKeyId}'.");
            var material = wrapping.Unwrap(k.Wrapped, KeyStore.WrapContext(k.Purpose, k.Version, k.MasterKeyId));
            try
            {
                Algorithm algorithm = k.Purpose == KeyPurpose.Data ? AeadAlgorithm.Aes256Gcm : MacAlgorithm.HmacSha256;
                var key = Key.Import(algorithm, material, KeyBlobFormat.RawSymmetricKey);
                lock (_owned) _owned.Add(key);
                keys[(k.Purpose, k.Version)] = key;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
        if (activeData == 0 || activeFp == 0)
            throw new KeyConfigurationException("No active data or fingerprint key: run the vault's start-up once.");
        _snapshot = new Snapshot(keys.ToFrozenDictionary(), activeData, activeFp);
    }

    public void Dispose()
    {
        lock (_owned) foreach (var k in _owned) k.Dispose();
        _refreshLock.Dispose();
    }
}
