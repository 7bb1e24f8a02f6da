using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace PayoutVault.Core.Keys;

/// <summary>
/// The master key as k-of-n shares (PCI DSS 3.7.6 split knowledge and dual control): <c>vaultctl keygen --shares N
/// --threshold K</c> makes the key in memory, writes N share files (mode 0600, one per custodian) and never writes the
/// key itself. The vault, given at least K of them (<c>Vault:Keys:MasterKeyShareFiles</c>), recombines the key in
/// memory and proves it by the check value every share carries; fewer than K shares, a share from another split or
/// an altered share fails start-up.
/// </summary>
public static class MasterKeyShares
{
    public sealed record ShareSet(string KeyId, string CheckValue, int Threshold, IReadOnlyList<string> Files);

    private sealed record Share(string KeyId, string CheckValue, int Threshold, int Count, int Index, byte[] Y, string Path);

    /// <summary>Makes a new master key and writes its shares into <paramref name="folder"/>; refuses to overwrite.</summary>
    public static ShareSet Generate(string folder, int threshold, int shares, string? keyId = null)
    {
        if (threshold < 2 || shares < threshold || shares > ShamirSecretSharing.MaxShares)
            throw new ArgumentOutOfRangeException(nameof(threshold), $"need 2 <= threshold <= shares <= {ShamirSecretSharing.MaxShares}");
        keyId ??= MasterKeyFile.NewKeyId();
        if (!MasterKeyFile.IsValidKeyId(keyId)) throw new KeyConfigurationException($"'{keyId}' is not a valid key id.");
        var files = Enumerable.Range(1, shares).Select(i => System.IO.Path.Combine(folder,
            string.Create(CultureInfo.InvariantCulture, $"{keyId}.share-{i}-of-{shares}.json"))).ToList();
        if (files.FirstOrDefault(File.Exists) is { } existing)
            throw new KeyConfigurationException($"{existing} exists; refusing to overwrite a key share.");

        var material = RandomNumberGenerator.GetBytes(MasterKey.KeySizeBytes);
        byte[][] parts = [];
        try
        {
            using var key = MasterKey.FromBytes(keyId, material);
            parts = ShamirSecretSharing.Split(material, threshold, shares);
            for (var i = 0; i < shares; i++)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
                {
                    ["key_id"] = keyId,
                    ["check_value"] = key.CheckValue,
                    ["threshold"] = threshold,
                    ["shares"] = shares,
                    ["index"] = i + 1,
                    ["share"] = Convert.ToBase64String(parts[i]),
                });
                try { MasterKeyFile.WriteNewOwnerOnly(files[i], json); }
                finally { CryptographicOperations.ZeroMemory(json); }
            }
            return new ShareSet(keyId, key.CheckValue, threshold, files);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
            foreach (var part in parts) CryptographicOperations.ZeroMemory(part);
        }
    }

    /// <summary>Recombines the master key from share files; every problem names what to fix.</summary>
    public static MasterKey Load(IReadOnlyList<string> paths)
    {
        var shares = paths.Select(Read).ToList();
        try
        {
            var first = shares[0];
            foreach (var s in shares.Skip(1))
                if (s.KeyId != first.KeyId || s.CheckValue != first.CheckValue || s.Threshold != first.Threshold || s.Count != first.Count)
                    throw new KeyConfigurationException(
                        $"Master key share '{s.Path}' belongs to key {s.KeyId} ({s.CheckValue}, {s.Threshold} of {s.Count}), "
                        + $"not to {first.KeyId} ({first.CheckValue}, {first.Threshold} of {first.Count}).");
            var indexes = shares.Select(s => s.Index).ToList();
            if (indexes.Distinct().Count() != indexes.Count)
                throw new KeyConfigurationException($"Master key {first.KeyId}: the same share was given twice (indexes {string.Join(", ", indexes)}).");
            if (shares.Count < first.Threshold)
                throw new KeyConfigurationException(
                    $"Master key {first.KeyId} needs {first.Threshold} of its {first.Count} shares; {shares.Count} given (indexes {string.Join(", ", indexes)}).");

            // Every given share takes part, so one altered share among more than K still fails the check value.
            var material = ShamirSecretSharing.Combine(shares.Select(s => ((byte)s.Index, s.Y)).ToList());
            try
            {
                var key = MasterKey.FromBytes(first.KeyId, material);
                if (key.CheckValue == first.CheckValue) return key;
                key.Dispose();
                throw new KeyConfigurationException(
                    $"The shares do not combine into master key {first.KeyId} (check value {key.CheckValue}, expected "
                    + $"{first.CheckValue}): a share is altered or from another split.");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
        finally
        {
            foreach (var s in shares) CryptographicOperations.ZeroMemory(s.Y);
        }
    }

    private static Share Read(string path)
    {
        var bytes = MasterKeyFile.ReadOwnerOnly(path, "Master key share");
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var share = new Share(
                root.GetProperty("key_id").GetString() ?? "", root.GetProperty("check_value").GetString() ?? "",
                root.GetProperty("threshold").GetInt32(), root.GetProperty("shares").GetInt32(),
                root.GetProperty("index").GetInt32(), Convert.FromBase64String(root.GetProperty("share").GetString() ?? ""), path);
            if (share.Threshold < 2 || share.Count < share.Threshold || share.Count > ShamirSecretSharing.MaxShares
                || share.Index < 1 || share.Index > share.Count || share.Y.Length != MasterKey.KeySizeBytes
                || !MasterKeyFile.IsValidKeyId(share.KeyId))
                throw new KeyConfigurationException($"Master key share '{path}' has impossible values.");
            return share;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new KeyConfigurationException($"Master key share '{path}' is not a share file made by vaultctl keygen --shares.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
