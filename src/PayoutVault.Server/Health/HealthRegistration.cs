using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PayoutVault.Server.Health;

/// <summary>
/// Liveness and readiness on the standard gRPC health service (service names "" and "readiness": ready;
/// "liveness": live) and, for probes that cannot speak gRPC (the kubelet's built-in gRPC probe has no TLS, and the
/// gRPC listener requires mutual TLS), as plain text on the webhook listener: GET /healthz and /readyz answer 200
/// "Healthy" or 503 "Unhealthy", nothing more.
/// </summary>
public static class HealthRegistration
{
    public static IServiceCollection AddVaultHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section)
            .Validate(o => o.DatabaseTimeout > TimeSpan.Zero && o.DatabaseCacheFor >= TimeSpan.Zero && o.WatchPeriod >= TimeSpan.FromSeconds(1),
                "Vault:Health: DatabaseTimeout must be positive, DatabaseCacheFor not negative, WatchPeriod at least one second")
            .ValidateOnStart();
        services.AddSingleton<DatabaseHealthCheck>();
        services.AddGrpcHealthChecks(o =>
            {
                o.Services.Clear();
                o.Services.Map("", c => c.Tags.Contains(HealthTags.Ready));
                o.Services.Map(HealthTags.ReadinessService, c => c.Tags.Contains(HealthTags.Ready));
                o.Services.Map(HealthTags.LivenessService, c => c.Tags.Contains(HealthTags.Live));
            })
            .AddCheck<ProcessAliveHealthCheck>("process", tags: [HealthTags.Live])
            .AddCheck<KeysLoadedHealthCheck>("keys", tags: [HealthTags.Ready])
            // The master key's token (PKCS#11 source): not ready while it is gone; a key file is always there.
            .AddCheck<MasterKeyHealthCheck>("master-key", tags: [HealthTags.Ready])
            .AddCheck<DatabaseHealthCheck>("database", tags: [HealthTags.Ready]);
        // Health.Watch streams see the results of the periodic run; Health.Check runs the checks when asked.
        services.AddOptions<HealthCheckPublisherOptions>().Configure<Microsoft.Extensions.Options.IOptions<HealthOptions>>((p, h) =>
        {
            p.Delay = TimeSpan.Zero;
            p.Period = h.Value.WatchPeriod;
        });
        return services;
    }

    /// <summary>/healthz and /readyz, answered on the webhook listener only (HTTP/1.1; the gRPC listener is HTTP/2).</summary>
    public static WebApplication MapVaultHealth(this WebApplication app)
    {
        app.UseWhen(http => string.Equals(http.Request.Protocol, "HTTP/1.1", StringComparison.Ordinal)
            && !Capture.CaptureListener.IsCaptureConnection(http), branch => branch
            .UseHealthChecks(HealthTags.LivenessPath, PlainText(HealthTags.Live))
            .UseHealthChecks(HealthTags.ReadinessPath, PlainText(HealthTags.Ready)));
        return app;
    }

    private static HealthCheckOptions PlainText(string tag) => new()
    {
        Predicate = c => c.Tags.Contains(tag),
        // The default writer sends the overall status word as text/plain: no check names, no descriptions.
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };
}
