using Microsoft.Extensions.Diagnostics.HealthChecks;
using PayoutVault.Core.Keys;

namespace PayoutVault.Server.Health;

/// <summary>
/// Readiness: the master key can be used now. A key in memory always can; a key in a PKCS#11 token is probed (its
/// check value read from the token, one cheap call), so a token that went away turns the vault NOT_SERVING while the
/// keys it already unwrapped keep serving the calls that still arrive. The probe also brings the key back when the
/// token returns.
/// </summary>
public sealed class MasterKeyHealthCheck(IMasterKey master) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(master.Probe() is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy());
}
