namespace PayoutVault.Core.Capture;

/// <summary>States as stored in capture_sessions.state.</summary>
public static class CaptureState
{
    public const string Open = "open";
    public const string Completed = "completed";
    public const string Expired = "expired";
    public const string Locked = "locked";
}

/// <summary>One stored capture session. The card, when there is one, is display data only, never the number.</summary>
public sealed record CaptureSessionRecord(
    string SessionId, string Caller, byte[] SecretHash, IReadOnlyList<string> AllowedOrigins, string Reference,
    string State, DateTime CreatedAt, DateTime ExpiresAt, int RefusedAttempts, DateTime? CompletedAt,
    CapturedCard? Card)
{
    public const string IdPrefix = "cap_";

    public static string NewId() => IdPrefix + Tokens.TokenFormat.RandomBase32(26);

    public static bool IsValidId(string? id) => Tokens.TokenFormat.IsValidId(id, IdPrefix);

    /// <summary>Open, but past its expiry: treated as expired everywhere, and marked so when next touched.</summary>
    public bool IsOverdue(DateTime now) => State == CaptureState.Open && ExpiresAt <= now;
}

/// <summary>What a completed session tells about its card: token, display data, the expiry and name as entered.</summary>
public sealed record CapturedCard(string Token, string Bin, string Last4, string Brand, int ExpMonth, int ExpYear,
    string CardholderName);
