namespace PayoutVault.Server.Health;

/// <summary>
/// Liveness ("the process is up and serving requests": restart it if not) and readiness ("send it traffic": the
/// database answers, its schema is migrated, keys are loaded). A database outage makes the vault not ready, never
/// not live: restarting every replica because PostgreSQL is down would only add a start-up storm to the outage.
/// </summary>
public static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";

    /// <summary>gRPC Health service names (grpc.health.v1): "" is the server as a whole, which means ready.</summary>
    public const string LivenessService = "liveness";
    public const string ReadinessService = "readiness";

    /// <summary>HTTP paths on the webhook listener, for probes that cannot speak gRPC.</summary>
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
}
