using System.Diagnostics.CodeAnalysis;

namespace PayoutVault.Sandbox;

internal enum ScenarioKind
{
    Success,
    Fail,
    Reject,
    Http500,
    Slow,
    Drop,
    DuplicateWebhook,
    OutOfOrder,
    V2Webhook,
    StatusHttp500,
}

/// <summary>
/// The outcome a request asks for, read from <c>metadata.reference.scenario</c> (absent means <c>success</c>).
/// Living in metadata keeps the request exactly what the vault sends to the real bank.
/// </summary>
internal sealed record Scenario(ScenarioKind Kind, string Text, string? Code = null)
{
    public static readonly Scenario Default = new(ScenarioKind.Success, "success");

    public static bool TryParse(string? text, [NotNullWhen(true)] out Scenario? scenario, [NotNullWhen(false)] out string? error)
    {
        scenario = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            scenario = Default;
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        var code = colon < 0 ? null : text[(colon + 1)..];

        ScenarioKind? kind = name switch
        {
            "success" => ScenarioKind.Success,
            "fail" => ScenarioKind.Fail,
            "reject" => ScenarioKind.Reject,
            "http500" => ScenarioKind.Http500,
            "slow" => ScenarioKind.Slow,
            "drop" => ScenarioKind.Drop,
            "duplicate_webhook" => ScenarioKind.DuplicateWebhook,
            "out_of_order" => ScenarioKind.OutOfOrder,
            "v2_webhook" => ScenarioKind.V2Webhook,
            "status_http500" => ScenarioKind.StatusHttp500,
            _ => null,
        };

        if (kind is null)
        {
            error = $"Unknown sandbox scenario '{text}'.";
            return false;
        }

        var needsCode = kind is ScenarioKind.Fail or ScenarioKind.Reject;
        if (needsCode != (code is not null))
        {
            error = needsCode
                ? $"Sandbox scenario '{name}' needs a bank error code: '{name}:<code>'."
                : $"Sandbox scenario '{name}' takes no code.";
            return false;
        }

        if (code is not null && (code.Length is 0 or > 64 || !code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            error = "A scenario error code must be 1 to 64 characters of a-z, 0-9 and '_'.";
            return false;
        }

        scenario = new Scenario(kind.Value, text, code);
        return true;
    }
}
