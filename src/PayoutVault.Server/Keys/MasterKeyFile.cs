using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PayoutVault.Server.Keys;

/// <summary>
/// Development and single-operator key source: a JSON file {"key_id": "...", "key": "base64"} readable by its owner
/// only. Production deployments put a KMS/HSM or k-of-n shares behind the same MasterKey type.
/// </summary>
public static partial class MasterKeyFile
{
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex KeyIdPattern();

    public static bool IsValidKeyId(string id) => KeyIdPattern().IsMatch(id);

    /// <summary>Creates a new random master key file with mode 0600. Refuses to overwrite an existing file.</summary>
    public static MasterKeyInfo Generate(string path, string? keyId = null)
    {
        keyId ??= "mk-" + DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)
            + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var material = RandomNumberGenerator.GetBytes(MasterKey.KeySizeBytes);
        try
        {
            using var key = MasterKey.FromBytes(keyId, material);
            var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["key_id"] = keyId,
                ["key"] = Convert.ToBase64String(material),
            });
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, options)) stream.Write(json);
            CryptographicOperations.ZeroMemory(json);
            return new MasterKeyInfo(key.Id, key.CheckValue);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    public static MasterKey Load(string path)
    {
        if (!File.Exists(path)) throw new KeyConfigurationException($"Master key file '{path}' does not exist.");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
                throw new KeyConfigurationException(
                    $"Master key file '{path}' is readable by others (mode {Convert.ToString((int)mode, 8)}); it must be 0600.");
        }
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Parses "key_id:base64key", the environment-variable form for development.</summary>
    public static MasterKey ParseInline(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) throw new KeyConfigurationException("An inline master key must look like 'key_id:base64key'.");
        var material = DecodeKey(value[(colon + 1)..]);
        try { return MasterKey.FromBytes(value[..colon], material); }
        finally { CryptographicOperations.ZeroMemory(material); }
    }

    private static MasterKey Parse(byte[] json)
    {
        string? id, encoded;
        try
        {
            using var doc = JsonDocument.Parse(json);
            id = doc.RootElement.GetProperty("key_id").GetString();
            encoded = doc.RootElement.GetProperty("key").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new KeyConfigurationException("The master key file is not {\"key_id\": ..., \"key\": ...} JSON.");
        }
        if (id is null || encoded is null) throw new KeyConfigurationException("The master key file lacks key_id or key.");
        var material = DecodeKey(encoded);
        try { return MasterKey.FromBytes(id, material); }
        finally { CryptographicOperations.ZeroMemory(material); }
    }

    private static byte[] DecodeKey(string encoded)
    {
        try { return Convert.FromBase64String(encoded); }
        catch (FormatException) { throw new KeyConfigurationException("The master key is not valid Base64."); }
    }
}

public sealed record MasterKeyInfo(string KeyId, string CheckValue);
