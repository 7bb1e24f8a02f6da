using System.Text.Json;
using System.Text.Json.Serialization;

namespace PayoutVault.Sandbox;

/// <summary>
/// What <c>GET /sandbox/received</c> shows about one request. Raw bodies are never kept: they hold card numbers.
/// The card appears only as its last four digits.
/// </summary>
internal sealed class ReceivedRequest
{
    [JsonPropertyName("received_at")]
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;

    [JsonPropertyName("path")]
    public required string Path { get; init; }

    [JsonPropertyName("idempotency_key")]
    public string? IdempotencyKey { get; init; }

    [JsonPropertyName("project")]
    public string? Project { get; init; }

    [JsonPropertyName("signature_valid")]
    public bool SignatureValid { get; init; }

    [JsonPropertyName("recipient")]
    public JsonElement? Recipient { get; init; }

    [JsonPropertyName("amount")]
    public long? Amount { get; init; }

    [JsonPropertyName("currency")]
    public string? Currency { get; init; }

    [JsonPropertyName("metadata")]
    public JsonElement? Metadata { get; init; }

    [JsonPropertyName("card_last4")]
    public string? CardLast4 { get; init; }

    [JsonPropertyName("scenario")]
    public string? Scenario { get; init; }

    [JsonPropertyName("response_status")]
    public int ResponseStatus { get; set; }

    [JsonPropertyName("error_code")]
    public string? ErrorCode { get; set; }

    [JsonPropertyName("session_id")]
    public string? SessionId { get; set; }
}
