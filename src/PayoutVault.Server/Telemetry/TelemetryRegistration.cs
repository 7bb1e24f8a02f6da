using System.Diagnostics;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Server.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>
    /// OpenTelemetry traces, metrics and logs: the vault's own source and meter beside the standard instrumentation
    /// (ASP.NET Core for the gRPC server, HttpClient for the bank, Npgsql, the .NET runtime). Every span and log record
    /// passes <see cref="SpanRedaction"/> / <see cref="LogRedaction"/> before an exporter (OTLP and/or console) sees it.
    /// </summary>
    public static IServiceCollection AddVaultTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        // The vault sends its trace context to no one: its one HTTP peer is the bank, outside its trust boundary,
        // and a request to the bank carries exactly the headers Bank 131 documents. Incoming context is still read.
        // Both propagators are process-wide: .NET's own, and OpenTelemetry's (the HttpClient instrumentation injects
        // with it, and would forward a caller's baggage too). ASP.NET Core reads a caller's traceparent with the one
        // it was built with.
        DistributedContextPropagator.Current = DistributedContextPropagator.CreateNoOutputPropagator();
        OpenTelemetry.Sdk.SetDefaultTextMapPropagator(new OpenTelemetry.Context.Propagation.CompositeTextMapPropagator([]));
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("payoutvault"))
            .WithTracing(tracing =>
            {
                // One payout is one trace: a span follows its parent's decision (the caller's, or the payout's stored
                // context for webhooks and stream deliveries), and only new traces are sampled by ratio.
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(options.SampleRatio, 0, 1))))
                    .AddSource(VaultTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        o.Filter = RequestTracing.IsTraced;
                        o.EnrichWithHttpRequest = RequestTracing.OnRequest;
                        o.RecordException = false;
                    })
                    .AddHttpClientInstrumentation(o => o.RecordException = false)
                    .AddNpgsql()
                    .AddProcessor(new SpanRedaction());
                if (otlp is not null) tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                if (options.Console) tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(VaultTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (otlp is not null) metrics.AddOtlpExporter(o => o.Endpoint = otlp);
                if (options.Console) metrics.AddConsoleExporter();
            })
            .WithLogging(logging =>
            {
                logging.AddProcessor(new LogRedaction());
                if (otlp is not null) logging.AddOtlpExporter(o => o.Endpoint = otlp);
                if (options.Console) logging.AddConsoleExporter();
            }, o => o.IncludeFormattedMessage = true);
        return services;
    }
}
