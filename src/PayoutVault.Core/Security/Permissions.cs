namespace PayoutVault.Core.Security;

/// <summary>The permissions a caller can hold. Each RPC names exactly one with RequiresPermission.</summary>
public static class Permissions
{
    public const string TokensWrite = "tokens.write";
    public const string TokensRead = "tokens.read";
    public const string TokensDelete = "tokens.delete";
    public const string PayoutsCreate = "payouts.create";
    public const string PayoutsRead = "payouts.read";
    public const string PayoutsWatch = "payouts.watch";
    /// <summary>Widens payouts.read from the caller's own payouts to every caller's.</summary>
    public const string PayoutsReadAll = "payouts.read_all";
    /// <summary>Widens payouts.watch from the caller's own payouts' events to every caller's.</summary>
    public const string PayoutsWatchAll = "payouts.watch_all";
    public const string KeysAdmin = "keys.admin";
    public const string ReflectionRead = "reflection.read";
    /// <summary>CreateCaptureSession: lets a backend open a hosted card-capture page for a recipient.</summary>
    public const string CaptureCreate = "capture.create";
    /// <summary>GetCaptureSession, of the caller's own sessions.</summary>
    public const string CaptureRead = "capture.read";

    /// <summary>
    /// Not an RPC permission: lets a caller that submits card numbers (tokens.write) learn a token's history, i.e.
    /// whether its Tokenize call stored a new card and when the card was stored and last used. Without it, that is a
    /// card-presence oracle ("has anyone tokenized this number before?"); see TokenHistoryVisibility.
    /// </summary>
    public const string TokensOutcome = "tokens.outcome";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        TokensWrite, TokensRead, TokensDelete, PayoutsCreate, PayoutsRead, PayoutsWatch, PayoutsReadAll, PayoutsWatchAll,
        KeysAdmin, ReflectionRead, TokensOutcome,
        CaptureCreate, CaptureRead,
    };

    /// <summary>
    /// Permissions that open no RPC of their own but widen what another one returns (widening -> widened): alone they
    /// grant nothing, so a caller holding payouts.read_all without payouts.read still cannot call GetPayout.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Widening = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PayoutsReadAll] = PayoutsRead,
        [PayoutsWatchAll] = PayoutsWatch,
    };

    /// <summary>Permissions that widen what an RPC answers rather than admit to one; no RPC declares them.</summary>
    public static readonly IReadOnlySet<string> Refinements = new HashSet<string>(StringComparer.Ordinal) { TokensOutcome };
}

/// <summary>Declares the permission an RPC needs. An RPC without it is denied to everyone.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresPermissionAttribute(string permission) : Attribute
{
    public string Permission { get; } = permission;
}
