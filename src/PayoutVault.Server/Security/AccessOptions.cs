namespace PayoutVault.Server.Security;

/// <summary>
/// Configuration section "Vault:Access": caller name -> permissions, e.g.
/// Vault__Access__Callers__payout-service__0=payouts.create. Callers not listed hold nothing (deny by default).
/// </summary>
public sealed class AccessOptions
{
    public const string Section = "Vault:Access";

    public Dictionary<string, string[]> Callers { get; set; } = new(StringComparer.Ordinal);

    public bool Holds(string caller, string permission) =>
        Callers.TryGetValue(caller, out var granted) && Array.IndexOf(granted, permission) >= 0;
}
