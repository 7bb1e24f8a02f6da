namespace PayoutVault.Server.Telemetry;

/// <summary>Configuration section "Vault:Telemetry".</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Vault:Telemetry";

    /// <summary>OTLP endpoint (e.g. http://collector:4317); traces and metrics are exported there when set.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Console exporter for development.</summary>
    public bool Console { get; set; }
}
