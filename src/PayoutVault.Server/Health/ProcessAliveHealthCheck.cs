using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PayoutVault.Server.Health;

/// <summary>
/// Liveness: answering at all is the proof (the request went through Kestrel, routing and the health service). It
/// depends on nothing outside the process on purpose; see <see cref="HealthTags"/>.
/// </summary>
public sealed class ProcessAliveHealthCheck : IHealthCheck
{
    private static readonly Task<HealthCheckResult> Alive = Task.FromResult(HealthCheckResult.Healthy());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Alive;
}
