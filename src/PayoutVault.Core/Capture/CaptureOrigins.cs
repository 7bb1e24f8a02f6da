using System.Globalization;
using System.Text.RegularExpressions;
using PayoutVault.Core.Errors;

namespace PayoutVault.Core.Capture;

/// <summary>
/// The parent origins a session may be framed by and may post its result to. An origin goes verbatim into the
/// page's Content-Security-Policy (frame-ancestors) and into postMessage's targetOrigin, so only the narrowest form
/// is accepted: "https://" + a DNS name or IPv4 address + an optional port. No path, query, fragment, user info,
/// wildcard or other scheme; http only for localhost, and only where the vault allows it (development).
/// Accepted origins are normalised the way browsers serialise them: lowercase, default port dropped.
/// </summary>
public static partial class CaptureOrigins
{
    public const int MaxOrigins = 5;
    public const int MaxLength = 200;

    // scheme :// host (: port)? and nothing after. Host: DNS labels of letters, digits and hyphens (not at either
    // end), or a dotted IPv4 address; checked further below.
    [GeneratedRegex(@"^(?<scheme>[A-Za-z]+)://(?<host>[A-Za-z0-9.-]+)(:(?<port>[0-9]{1,5}))?$")]
    private static partial Regex OriginPattern();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    /// <summary>The normalised, de-duplicated origins; every problem is added to <paramref name="violations"/>.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<string> origins, bool allowLocalhost, Violations violations)
    {
        const string field = "allowed_origins";
        if (origins.Count == 0)
        {
            violations.Add(field, "allowed_origins needs at least one origin, e.g. https://shop.example.com");
            return [];
        }
        if (origins.Count > MaxOrigins) violations.Add(field, $"allowed_origins may hold at most {MaxOrigins} origins");
        var result = new List<string>();
        for (var i = 0; i < origins.Count && i < MaxOrigins; i++)
        {
            // The value itself is never quoted back: a refused origin may be anything, a card number included.
            var (origin, problem) = Normalise(origins[i], allowLocalhost);
            if (problem is not null) violations.Add($"{field}[{i.ToString(CultureInfo.InvariantCulture)}]", problem);
            else if (!result.Contains(origin!, StringComparer.Ordinal)) result.Add(origin!);
        }
        return result;
    }

    public static (string? Origin, string? Problem) Normalise(string value, bool allowLocalhost)
    {
        const string shape = "an origin must be https://host or https://host:port, without path, query, fragment or wildcard";
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength) return (null, $"an origin must be 1-{MaxLength} characters");
        if (Bank131.CardNumberDetector.ContainsCardNumber(value)) return (null, "an origin must not contain a card number");
        var m = OriginPattern().Match(value);
        if (!m.Success) return (null, shape);
        var scheme = m.Groups["scheme"].Value.ToLowerInvariant();
        var host = m.Groups["host"].Value.ToLowerInvariant();
        var isLocalhost = host == "localhost";
        if (scheme == "http" && !isLocalhost) return (null, "an origin must use https");
        if (scheme == "http" && !allowLocalhost) return (null, "http://localhost origins are allowed only in development (Vault:Capture:AllowLocalhostOrigins)");
        if (scheme is not ("https" or "http")) return (null, "an origin must use https");
        if (!IsHost(host)) return (null, "an origin's host must be a DNS name or an IPv4 address");
        var port = "";
        if (m.Groups["port"].Success)
        {
            var text = m.Groups["port"].Value;
            if (text.StartsWith('0') || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
                return (null, "an origin's port must be 1-65535");
            if (!(scheme == "https" && n == 443) && !(scheme == "http" && n == 80)) port = ":" + text;
        }
        return ($"{scheme}://{host}{port}", null);
    }

    private static bool IsHost(string host)
    {
        if (host.Length > 253) return false;
        var labels = host.Split('.');
        if (labels.All(l => l.Length is >= 1 and <= 3 && l.All(char.IsAsciiDigit)))
            return labels.Length == 4 && labels.All(l => int.Parse(l, CultureInfo.InvariantCulture) <= 255 && (l == "0" || !l.StartsWith('0')));
        // A DNS name: at least one letter in the last label, so "1.2.3" is not taken for a name.
        return labels.All(l => DnsLabel().IsMatch(l)) && labels[^1].Any(char.IsAsciiLetter);
    }
}
