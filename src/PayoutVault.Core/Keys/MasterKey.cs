using System.Security.Cryptography;
using NSec.Cryptography;

namespace PayoutVault.Core.Keys;

/// <summary>
/// The key-encrypting key. It wraps data and fingerprint keys and never touches the database itself: only its id and
/// check value are stored, so start-up with a different key fails hard instead of producing unreadable rows.
/// </summary>
public sealed class MasterKey : IDisposable
{
    public const int KeySizeBytes = 32;
    private readonly Key _key;

    private MasterKey(string id, Key key, string checkValue)
    {
        Id = id;
        _key = key;
        CheckValue = checkValue;
    }

    public string Id { get; }

    /// <summary>Classic key check value: the first 3 bytes of AES-256-ECB over a zero block, in hex.</summary>
    public string CheckValue { get; }

    public static MasterKey FromBytes(string id, ReadOnlySpan<byte> material)
    {
        if (!MasterKeyFile.IsValidKeyId(id))
            throw new KeyConfigurationException("The master key id must be 1-64 characters of [A-Za-z0-9_.-].");
        if (material.Length != KeySizeBytes)
            throw new KeyConfigurationException($"The master key must be {KeySizeBytes * 8} bits.");
        var key = Key.Import(AeadAlgorithm.Aes256Gcm, material, KeyBlobFormat.RawSymmetricKey);
        return new MasterKey(id, key, ComputeCheckValue(material));
    }

    internal static string ComputeCheckValue(ReadOnlySpan<byte> material)
    {
        // SetKey takes the span directly: assigning Aes.Key needs an array, and that copy of the master key would
        // outlive this call on the managed heap. The Aes object zeroes its own internal copy when disposed.
        using var aes = Aes.Create();
        aes.SetKey(material);
        Span<byte> block = stackalloc byte[16];
        block.Clear();
        Span<byte> encrypted = stackalloc byte[16];
        aes.EncryptEcb(block, encrypted, PaddingMode.None);
        return Convert.ToHexString(encrypted[..3]);
    }

    internal byte[] Wrap(ReadOnlySpan<byte> keyMaterial, ReadOnlySpan<byte> associatedData) =>
        Aead.Seal(_key, keyMaterial, associatedData);

    internal byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData) =>
        Aead.Open(_key, wrapped, associatedData)
        ?? throw new KeyConfigurationException(
            $"A stored key did not unwrap under master key '{Id}': wrong master key or tampered key row.");

    public void Dispose() => _key.Dispose();
}
