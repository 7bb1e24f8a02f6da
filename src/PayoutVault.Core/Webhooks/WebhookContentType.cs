using System.Net.Http.Headers;

namespace PayoutVault.Core.Webhooks;

/// <summary>
/// The bank sends <c>application/json</c>. Accepted: exactly that media type (any letter case), with no parameter
/// or only <c>charset=utf-8</c>. Everything else, <c>application/jsonfoo</c> and <c>application/json-patch+json</c>
/// included, is 415: a prefix match would let any type through.
/// </summary>
public static class WebhookContentType
{
    public static bool IsJson(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var parsed)) return false;
        if (!string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase)) return false;
        foreach (var parameter in parsed.Parameters)
        {
            var value = parameter.Value?.Trim('"');
            if (!string.Equals(parameter.Name, "charset", StringComparison.OrdinalIgnoreCase)
                || !(string.Equals(value, "utf-8", StringComparison.OrdinalIgnoreCase)
                     || string.Equals(value, "utf8", StringComparison.OrdinalIgnoreCase)))
                return false;
        }
        return true;
    }
}
