using System.Text;
using NSec.Cryptography;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Tokens;

/// <summary>
/// Card-number encryption and fingerprints. Ciphertext is AES-256-GCM with associated data naming the token and the
/// data-key version, so a ciphertext copied onto another row, or relabelled with another key version, fails to
/// decrypt. Fingerprints are HMAC-SHA256 under a versioned key of their own.
/// </summary>
public sealed class CardCrypto(KeyRing keys, DataKeyBudget budget)
{
    public sealed record Sealed(byte[] Ciphertext, int DataKeyVersion);

    public Sealed Encrypt(string token, ReadOnlySpan<byte> pan) => Seal(token, pan, keys.ActiveVersion(KeyPurpose.Data));

    /// <summary>Encrypts under a given version; the re-encryption job passes the version it pinned in its transaction.</summary>
    internal Sealed Seal(string token, ReadOnlySpan<byte> pan, int version)
    {
        var key = keys.Get(KeyPurpose.Data, version);
        budget.Take(version); // every random-nonce encryption under a data key counts against its 2^32 limit
        return new(Aead.Seal(key, pan, AssociatedData(token, version)), version);
    }

    /// <summary>
    /// Decrypts into a vault-owned buffer; the caller disposes it, which zeroes it. A version this replica has not
    /// loaded may come from a rotation made on another replica: the ring reloads once, asynchronously.
    /// </summary>
    public async ValueTask<PanDigits> DecryptAsync(string token, int dataKeyVersion, byte[] ciphertext, CancellationToken ct)
    {
        await keys.EnsureLoadedAsync(KeyPurpose.Data, dataKeyVersion, ct);
        return Decrypt(token, dataKeyVersion, ciphertext);
    }

    /// <summary>Decrypts under a version this replica has loaded (see <see cref="DecryptAsync"/> for one it may not have).</summary>
    internal PanDigits Decrypt(string token, int dataKeyVersion, ReadOnlySpan<byte> ciphertext)
    {
        if (!keys.TryGet(KeyPurpose.Data, dataKeyVersion, out var key))
            throw new DataLossException($"Token {token} is encrypted under an unknown data key version.");
        var length = Aead.PlaintextLength(ciphertext.Length);
        if (length is < PanValidator.MinLength or > PanValidator.MaxLength)
            throw new DataLossException($"Token {token} failed its integrity check.");
        var pan = PanDigits.Allocate(length);
        if (!Aead.TryOpen(key, ciphertext, AssociatedData(token, dataKeyVersion), pan.Writable))
        {
            pan.Dispose();
            throw new DataLossException($"Token {token} failed its integrity check.");
        }
        return pan;
    }

    public int ActiveFingerprintVersion => keys.ActiveVersion(KeyPurpose.Fingerprint);

    public byte[] Fingerprint(ReadOnlySpan<byte> pan, int version) =>
        MacAlgorithm.HmacSha256.Mac(keys.Get(KeyPurpose.Fingerprint, version), pan);

    /// <summary>Fingerprints under every loaded version: during a fingerprint-key rotation a card may still carry an older one.</summary>
    public IReadOnlyList<byte[]> AllFingerprints(ReadOnlySpan<byte> pan)
    {
        var versions = keys.Versions(KeyPurpose.Fingerprint);
        var result = new byte[versions.Count][];
        for (var i = 0; i < versions.Count; i++) result[i] = Fingerprint(pan, versions[i]);
        return result;
    }

    /// <summary>Whether a sealed card still uses the active data and fingerprint versions of this replica's key ring.</summary>
    internal bool IsCurrent(NewCard card) =>
        card.DataKeyVersion == keys.ActiveVersion(KeyPurpose.Data) && card.FingerprintVersion == ActiveFingerprintVersion;

    /// <summary>
    /// Re-seals a queued card under the active versions after a rotation overtook it: decrypts in memory (the ring
    /// keeps retired versions), encrypts again with a new nonce, and recomputes every fingerprint. The PAN buffer is
    /// zeroed on dispose.
    /// </summary>
    internal NewCard Reseal(NewCard card)
    {
        using var pan = Decrypt(card.Token, card.DataKeyVersion, card.Ciphertext);
        var sealedPan = Encrypt(card.Token, pan.Span);
        var fpVersion = ActiveFingerprintVersion;
        var fingerprint = Fingerprint(pan.Span, fpVersion);
        var others = AllFingerprints(pan.Span).Where(f => !f.AsSpan().SequenceEqual(fingerprint)).ToArray();
        return card with
        {
            Ciphertext = sealedPan.Ciphertext, DataKeyVersion = sealedPan.DataKeyVersion,
            Fingerprint = fingerprint, FingerprintVersion = fpVersion, OtherFingerprints = others,
        };
    }

    /// <summary>
    /// Reloads the key ring (a write was refused because a rotation retired the version it used), and reserves
    /// encryptions under the now active data key before the re-seal that follows uses them.
    /// </summary>
    internal async Task RefreshKeysAsync(CancellationToken ct)
    {
        await keys.RefreshAsync(ct);
        await budget.EnsureAsync(keys.ActiveVersion(KeyPurpose.Data), 1, ct);
    }

    internal static byte[] AssociatedData(string token, int dataKeyVersion) =>
        Encoding.ASCII.GetBytes($"payoutvault/pan/{token}/{dataKeyVersion}");
}
