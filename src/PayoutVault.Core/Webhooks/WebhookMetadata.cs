using System.Text.Json;
using PayoutVault.Bank131;

namespace PayoutVault.Core.Webhooks;

/// <summary>
/// The metadata the bank echoes, made safe to keep: rebuilt value by value from its parsed form (so an escape such
/// as <c>\u0034</c> cannot hide a digit from the check), every key and string with long digit runs masked, every
/// number of twelve or more digits replaced by the mask, and any control character refused (PostgreSQL's jsonb
/// cannot even hold <c>\u0000</c>).
/// </summary>
public static class WebhookMetadata
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static bool TrySanitize(string rawJson, out string? safeJson)
    {
        safeJson = null;
        try
        {
            using var document = JsonDocument.Parse(rawJson, Options);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                if (!TryWrite(document.RootElement, writer)) return false;
            }
            safeJson = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static bool TryWrite(JsonElement value, Utf8JsonWriter writer)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    if (LongDigitRun.HasControl(property.Name)) return false;
                    writer.WritePropertyName(LongDigitRun.Mask(property.Name)!);
                    if (!TryWrite(property.Value, writer)) return false;
                }
                writer.WriteEndObject();
                return true;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                    if (!TryWrite(item, writer)) return false;
                writer.WriteEndArray();
                return true;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (LongDigitRun.HasControl(text)) return false;
                writer.WriteStringValue(LongDigitRun.Mask(text));
                return true;
            case JsonValueKind.Number when LongDigitRun.Contains(value.GetRawText()):
                writer.WriteStringValue(LongDigitRun.MaskText);
                return true;
            default:
                value.WriteTo(writer);
                return true;
        }
    }
}
