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

    /// <summary>
    /// Pins the active data-key version and makes sure <paramref name="count"/> encryptions under it are reserved,
    /// before the synchronous seals that follow use them. A rotation that lands in between only makes those seals
    /// stale (the writer re-seals them); it can no longer leave a seal with nothing reserved, which refused calls
    /// with UNAVAILABLE while a new version's first block was on its way.
    /// </summary>
    public async ValueTask<int> ReserveAsync(int count, CancellationToken ct)
    {
        var version = keys.ActiveVersion(KeyPurpose.Data);
        await budget.EnsureAsync(version, count, ct);
        return version;
    }

    /// <summary>Encrypts under a version reserved by <see cref="ReserveAsync"/>, or pinned by the re-encryption job.</summary>
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
    /// Re-seals a queued card under the active versions (the data key's as reserved by the caller) after a rotation overtook it: decrypts in memory (the ring
    /// keeps retired versions), encrypts again with a new nonce, and recomputes every fingerprint. The PAN buffer is
    /// zeroed on dispose.
    /// </summary>
    internal NewCard Reseal(NewCard card, int dataKeyVersion)
    {
        using var pan = Decrypt(card.Token, card.DataKeyVersion, card.Ciphertext);
        var sealedPan = Seal(card.Token, pan.Span, dataKeyVersion);
        var fpVersion = ActiveFingerprintVersion;
        var fingerprint = Fingerprint(pan.Span, fpVersion);
        var others = AllFingerprints(pan.Span).Where(f => !f.AsSpan().SequenceEqual(fingerprint)).ToArray();
        return card with
        {
            Ciphertext = sealedPan.Ciphertext, DataKeyVersion = sealedPan.DataKeyVersion,
            Fingerprint = fingerprint, FingerprintVersion = fpVersion, OtherFingerprints = others,
        };
    }

    /// <summary>Reloads the key ring: a write was refused because a rotation retired the version it used.</summary>
    internal Task RefreshKeysAsync(CancellationToken ct) => keys.RefreshAsync(ct);

    internal static byte[] AssociatedData(string token, int dataKeyVersion) =>
        Encoding.ASCII.GetBytes($"payoutvault/pan/{token}/{dataKeyVersion}");
}
