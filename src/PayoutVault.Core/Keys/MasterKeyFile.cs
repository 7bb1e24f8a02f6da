using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PayoutVault.Core.Keys;

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
        keyId ??= NewKeyId();
        var material = RandomNumberGenerator.GetBytes(MasterKey.KeySizeBytes);
        try
        {
            using var key = MasterKey.FromBytes(keyId, material);
            var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["key_id"] = keyId,
                ["key"] = Convert.ToBase64String(material),
            });
            WriteNewOwnerOnly(path, json);
            CryptographicOperations.ZeroMemory(json);
            return new MasterKeyInfo(key.Id, key.CheckValue);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>mk-YYYYMMDD-xxxxxxxx: the date it was made and 32 random bits.</summary>
    internal static string NewKeyId() =>
        "mk-" + DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)
        + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    /// <summary>Creates <paramref name="path"/> (never overwrites) with mode 0600 and writes <paramref name="content"/>.</summary>
    internal static void WriteNewOwnerOnly(string path, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        stream.Write(content);
    }

    /// <summary>Reads a key file that must exist and be readable by its owner only (mode 0600).</summary>
    internal static byte[] ReadOwnerOnly(string path, string what)
    {
        if (!File.Exists(path)) throw new KeyConfigurationException($"{what} '{path}' does not exist.");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
                throw new KeyConfigurationException(
                    $"{what} '{path}' is readable by others (mode {Convert.ToString((int)mode, 8)}); it must be 0600.");
        }
        return File.ReadAllBytes(path);
    }

    public static MasterKey Load(string path)
    {
        var bytes = ReadOwnerOnly(path, "Master key file");
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
