using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Server.Configuration;
using PayoutVault.Core.Storage;

namespace PayoutVault.Server.Health;

/// <summary>
/// Readiness: the database answers, and its schema holds every migration this build ships. One query on a connection
/// of its own (a pool of one, so a busy application pool never makes a healthy vault look down, and probes can never
/// hold more than one connection), bounded by <see cref="HealthOptions.DatabaseTimeout"/>. Answers are reused for
/// <see cref="HealthOptions.DatabaseCacheFor"/>, and concurrent probes share the query in flight, so however many
/// probes arrive, the database sees at most one query per interval.
/// </summary>
public sealed class DatabaseHealthCheck : IHealthCheck, IAsyncDisposable
{
    private static readonly Lazy<int> ShippedSchema = new(() => Migrator.LoadMigrations().Max(m => m.Version));

    private readonly NpgsqlDataSource _probe;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _inFlight;
    private (DateTimeOffset At, HealthCheckResult Result)? _last;

    private readonly ILogger<DatabaseHealthCheck> _logger;

    public DatabaseHealthCheck(IOptions<VaultOptions> vault, IOptions<HealthOptions> options, TimeProvider time,
        ILogger<DatabaseHealthCheck> logger)
    {
        _logger = logger;
        _options = options.Value;
        _time = time;
        var builder = new NpgsqlDataSourceBuilder(vault.Value.Database.ConnectionString);
        var cs = builder.ConnectionStringBuilder;
        cs.ApplicationName = "payoutvault-health";
        cs.MaxPoolSize = 1;
        cs.MinPoolSize = 0;
        cs.Timeout = Math.Max(1, (int)Math.Ceiling(_options.DatabaseTimeout.TotalSeconds));
        cs.CommandTimeout = cs.Timeout;
        builder.Name = "payoutvault-health";
        // A probe is not part of any request's work: no spans for it.
        builder.ConfigureTracing(t => t.ConfigureCommandFilter(_ => false).EnablePhysicalOpenTracing(false));
        _probe = builder.Build();
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_last is { } last && _time.GetUtcNow() - last.At < _options.DatabaseCacheFor) return Task.FromResult(last.Result);
            // A caller that gives up does not cancel the shared query; it is bounded by its own timeout. Run apart
            // from the caller, so a probe never becomes part of a traced request.
            return (_inFlight ??= Task.Run(ProbeAsync)).WaitAsync(cancellationToken);
        }
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        HealthCheckResult result;
        try
        {
            using var timeout = new CancellationTokenSource(_options.DatabaseTimeout);
            await using var cmd = _probe.CreateCommand("SELECT COALESCE(max(version), 0) FROM schema_migrations");
            var version = Convert.ToInt32(await cmd.ExecuteScalarAsync(timeout.Token), System.Globalization.CultureInfo.InvariantCulture);
            result = version >= ShippedSchema.Value
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("database schema not migrated");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            // The type only: the text of a connection error names hosts and users, and nothing here needs it.
            result = HealthCheckResult.Unhealthy($"database unreachable ({e.GetType().Name})");
        }
        HealthStatus? before;
        lock (_gate)
        {
            before = _last?.Result.Status;
            _last = (_time.GetUtcNow(), result);
            _inFlight = null;
        }
        if (result.Status != HealthStatus.Healthy && before != result.Status) PayoutVault.Core.Logging.VaultLog.NotReady(_logger, result.Description!);
        else if (result.Status == HealthStatus.Healthy && before is { } was && was != HealthStatus.Healthy) PayoutVault.Core.Logging.VaultLog.ReadyAgain(_logger);
        return result;
    }

    public ValueTask DisposeAsync() => _probe.DisposeAsync();
}
