namespace PayoutVault.Core.Keys;

/// <summary>A key problem the vault must not run with: wrong master key, unknown key id, unreadable key file.</summary>
public sealed class KeyConfigurationException(string message) : Exception(message);
