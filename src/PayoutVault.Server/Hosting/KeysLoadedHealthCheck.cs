using Microsoft.Extensions.Diagnostics.HealthChecks;
using PayoutVault.Core.Keys;

namespace PayoutVault.Server.Hosting;

/// <summary>
/// Readiness: the vault has unwrapped its keys (which also means migrations ran and the master key matched). It does
/// not touch the database, so probes stay cheap; database trouble surfaces as UNAVAILABLE on the calls themselves.
/// </summary>
public sealed class KeysLoadedHealthCheck(KeyRing keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(keys.ActiveVersion(KeyPurpose.Data) > 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("keys not loaded"));
}
