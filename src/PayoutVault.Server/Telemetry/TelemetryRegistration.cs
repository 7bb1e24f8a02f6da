using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Server.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>OpenTelemetry traces and metrics from the vault's own source and meter; OTLP and/or console when configured.</summary>
    public static IServiceCollection AddVaultTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("payoutvault"))
            .WithTracing(tracing =>
            {
                // The vault's spans sit under ASP.NET Core's request activity, which nothing records here; a
                // parent-based sampler would drop them all. The vault emits few spans, so keep every one.
                tracing.SetSampler(new AlwaysOnSampler()).AddSource(VaultTelemetry.Name);
                if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
                    tracing.AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint));
                if (options.Console) tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(VaultTelemetry.Name);
                if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
                    metrics.AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint));
                if (options.Console) metrics.AddConsoleExporter();
            });
        return services;
    }
}
