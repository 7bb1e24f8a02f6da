namespace PayoutVault.Server.Telemetry;

/// <summary>Configuration section "Vault:Telemetry".</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Vault:Telemetry";

    /// <summary>OTLP endpoint (e.g. http://collector:4317); traces, metrics and logs are exported there when set.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Console exporter for development.</summary>
    public bool Console { get; set; }

    /// <summary>
    /// Share of new traces recorded (0 to 1). A trace started by a caller follows the caller's decision, and every
    /// span of a payout (webhook and stream deliveries included) follows the decision made when it was created.
    /// </summary>
    public double SampleRatio { get; set; } = 1.0;
}
