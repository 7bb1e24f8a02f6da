namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// Vault:Keys:Pkcs11: the master key as an AES-256 key object inside a PKCS#11 token (an HSM; SoftHSM2 in tests).
/// The same shape serves Vault:Keys:PreviousPkcs11 and vaultctl's --hsm-* options.
/// </summary>
public sealed class Pkcs11Options
{
    /// <summary>Path of the vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so.</summary>
    public string? ModulePath { get; set; }

    /// <summary>The token's label (CKA token info label). Set this or <see cref="Slot"/>.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>The slot id, for modules whose token labels are not unique. Set this or <see cref="TokenLabel"/>.</summary>
    public ulong? Slot { get; set; }

    /// <summary>File holding the token's user (crypto officer) PIN, readable by its owner only (mode 0600).</summary>
    public string? PinFile { get; set; }

    /// <summary>CKA_LABEL of the master key object; it is also the master key id the database registers.</summary>
    public string? KeyLabel { get; set; }

    /// <summary>
    /// Most PKCS#11 sessions the vault keeps open. The token is used at start, on rotation and on refresh only, so a
    /// few suffice; each session serves one operation at a time.
    /// </summary>
    public int MaxSessions { get; set; } = 4;

    /// <summary>Whether any of this section is set (then all of it must be valid).</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(ModulePath) || !string.IsNullOrWhiteSpace(KeyLabel) || !string.IsNullOrWhiteSpace(PinFile)
        || !string.IsNullOrWhiteSpace(TokenLabel) || Slot is not null;

    /// <summary>What is missing or contradictory, each naming the setting under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (string.IsNullOrWhiteSpace(ModulePath)) yield return $"{section}:ModulePath (the PKCS#11 library) is required.";
        if (string.IsNullOrWhiteSpace(PinFile)) yield return $"{section}:PinFile (the user PIN, mode 0600) is required.";
        if (string.IsNullOrWhiteSpace(KeyLabel)) yield return $"{section}:KeyLabel (the master key object's label) is required.";
        else if (!MasterKeyFile.IsValidKeyId(KeyLabel))
            yield return $"{section}:KeyLabel must be 1-64 characters of [A-Za-z0-9_.-]: it is the master key id.";
        if (string.IsNullOrWhiteSpace(TokenLabel) == (Slot is null))
            yield return $"{section}: set exactly one of TokenLabel and Slot.";
        if (MaxSessions is < 1 or > 64) yield return $"{section}:MaxSessions must be 1-64.";
    }

    /// <summary>"token 'x'" or "slot 123", for messages.</summary>
    public string TokenName => TokenLabel is { Length: > 0 } label ? $"token '{label}'" : $"slot {Slot}";
}
