namespace PayoutVault.Core.Tokens;

/// <summary>The clear metadata of a tokenized card: never more than BIN and last 4 (PCI DSS 3.4.1).</summary>
public sealed record CardRecord(
    string Token, string Bin, string Last4, string Brand, int? ExpMonth, int? ExpYear,
    DateTime CreatedAt, DateTime? LastUsedAt);

/// <summary>A new card ready to store: ciphertext and fingerprints are computed before it reaches the writer.</summary>
internal sealed record NewCard(
    string Token, byte[] Fingerprint, int FingerprintVersion, IReadOnlyList<byte[]> OtherFingerprints,
    byte[] Ciphertext, int DataKeyVersion, string Bin, string Last4, string Brand, int? ExpMonth, int? ExpYear);

public sealed record TokenizeOutcome(CardRecord Card, bool Created);
