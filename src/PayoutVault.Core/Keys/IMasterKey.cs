namespace PayoutVault.Core.Keys;

/// <summary>
/// The key-encrypting key, wherever it lives: in process memory (<see cref="MasterKey"/>, from a key file or k-of-n
/// shares) or inside a PKCS#11 token (<see cref="Hsm.Pkcs11MasterKey"/>), where it never leaves the device. It wraps
/// data and fingerprint keys and never touches the database itself: only its id and check value are stored, so a
/// start with a different key fails hard instead of producing unreadable rows.
/// </summary>
public interface IMasterKey : IDisposable
{
    string Id { get; }

    /// <summary>Classic key check value: the first 3 bytes of AES-256-ECB over a zero block, in hex.</summary>
    string CheckValue { get; }

    /// <summary>Where the key lives, for logs and the audit trail ("key file", "pkcs11 token 'x'").</summary>
    string Source { get; }

    /// <summary>Seals key material as nonce || ciphertext || tag (AES-256-GCM), bound to <paramref name="associatedData"/>.</summary>
    /// <exception cref="Errors.UnavailableException">The device holding the key cannot be reached.</exception>
    byte[] Wrap(ReadOnlySpan<byte> keyMaterial, ReadOnlySpan<byte> associatedData);

    /// <summary>Opens what <see cref="Wrap"/> sealed; the caller zeroes the result.</summary>
    /// <exception cref="KeyConfigurationException">Wrong master key or a tampered key row.</exception>
    /// <exception cref="Errors.UnavailableException">The device holding the key cannot be reached.</exception>
    byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData);

    /// <summary>Null when the key can be used now, else what is wrong (readiness). Keys in memory are always usable.</summary>
    string? Probe() => null;
}
