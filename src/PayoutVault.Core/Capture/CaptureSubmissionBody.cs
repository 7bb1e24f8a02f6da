using System.Security.Cryptography;
using System.Text.Json;

namespace PayoutVault.Core.Capture;

/// <summary>
/// The page's POST body, parsed straight from the request bytes with Utf8JsonReader: the card number's digits are
/// copied into a pinned buffer this type owns and zeroes on Dispose, and never become a .NET string. Unknown
/// members are refused, so a stray field (a CVV) cannot ride along unnoticed.
/// </summary>
public sealed class CaptureSubmissionBody : IDisposable
{
    private byte[] _number = [];

    public string Secret { get; private set; } = "";
    public ReadOnlyMemory<byte> Number => _number;
    public int? ExpMonth { get; private set; }
    public int? ExpYear { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>Null when the body is not a JSON object of the expected members and types.</summary>
    public static CaptureSubmissionBody? TryParse(ReadOnlySpan<byte> json)
    {
        var body = new CaptureSubmissionBody();
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return body.Fail();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = reader.GetString();
                if (!reader.Read()) return body.Fail();
                switch (member)
                {
                    case "secret" when reader.TokenType == JsonTokenType.String:
                        body.Secret = reader.GetString() ?? "";
                        break;
                    // Digits only ever: an escaped or non-string value is refused rather than decoded into a copy.
                    case "number" when reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && body._number.Length == 0:
                        body._number = GC.AllocateUninitializedArray<byte>(reader.ValueSpan.Length, pinned: true);
                        reader.ValueSpan.CopyTo(body._number);
                        break;
                    case "exp_month" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var month):
                        body.ExpMonth = month;
                        break;
                    case "exp_year" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var year):
                        body.ExpYear = year;
                        break;
                    case "name" when reader.TokenType == JsonTokenType.String:
                        body.Name = reader.GetString() ?? "";
                        break;
                    default:
                        return body.Fail();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return body.Fail();
            return body;
        }
        catch (JsonException)
        {
            return body.Fail();
        }
    }

    private CaptureSubmissionBody? Fail()
    {
        Dispose();
        return null;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_number);
}
