using System.Text.Json.Serialization;

namespace PayoutVault.Sandbox;

/// <summary>One webhook delivery attempt, shown by <c>GET /sandbox/webhooks</c>.</summary>
internal sealed record WebhookDelivery(
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("http_status")] int? HttpStatus,
    [property: JsonPropertyName("delivered")] bool Delivered,
    [property: JsonPropertyName("at")] DateTimeOffset At);
