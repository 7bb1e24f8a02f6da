using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace PayoutVault.Bank131;

/// <summary>Writer settings shared by every body this library produces.</summary>
internal static class Bank131JsonEncoding
{
    /// <summary>
    /// Letters of every script (Cyrillic names above all) are written as plain UTF-8 rather than \uXXXX, as the
    /// bank's PHP SDK does; quotes, backslashes, control characters and HTML-sensitive characters are still escaped,
    /// so the output is always valid JSON. (UnsafeRelaxedJsonEscaping is not needed for that and is not used.)
    /// </summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = Encoder,
        Indented = false,
        SkipValidation = false,
    };
}
