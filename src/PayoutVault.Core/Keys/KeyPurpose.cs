namespace PayoutVault.Core.Keys;

public enum KeyPurpose
{
    /// <summary>AES-256-GCM data keys that encrypt card numbers.</summary>
    Data,
    /// <summary>HMAC-SHA256 keys for the dedupe fingerprint (PCI DSS 3.5.1.1: a keyed hash, never a plain one).</summary>
    Fingerprint,
}

public static class KeyPurposeNames
{
    public static string ToDb(this KeyPurpose p) => p == KeyPurpose.Data ? "data" : "fingerprint";
    public static KeyPurpose FromDb(string s) => s switch
    {
        "data" => KeyPurpose.Data,
        "fingerprint" => KeyPurpose.Fingerprint,
        _ => throw new KeyConfigurationException($"Unknown key purpose '{s}'."),
    };
}
