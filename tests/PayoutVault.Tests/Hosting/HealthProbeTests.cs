using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Npgsql;
using PayoutVault.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PayoutVault.Tests.Hosting;

/// <summary>
/// Liveness apart from readiness, on the gRPC health service ("" and "readiness": ready; "liveness": live) and on the
/// webhook listener's /healthz and /readyz. The database is a PostgreSQL cluster of the test's own, really stopped and
/// started: readiness goes NOT_SERVING (Check, Watch, /readyz 503) while it is down and SERVING again once it is back,
/// and liveness never moves.
/// </summary>
public sealed class HealthProbeTests
{
    private static readonly Dictionary<string, string> FastHealth = new()
    {
        ["Vault:Health:DatabaseCacheFor"] = "00:00:00.200",
        ["Vault:Health:DatabaseTimeout"] = "00:00:05", // a refused connection fails at once; a loaded test machine is slow
        ["Vault:Health:WatchPeriod"] = "00:00:01",
    };

    [Fact]
    public async Task Readiness_FollowsTheDatabaseDownAndBack_OnCheckWatchAndReadyz_WhileLivenessStays()
    {
        await using var cluster = await WebhookPostgresCluster.StartAsync();
        var settings = new Dictionary<string, string>(FastHealth)
        {
            ["Vault:Database:ConnectionString"] = await cluster.CreateDatabaseAsync(),
        };
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = settings });
        var health = env.Vault.Health;
        using var http = new HttpClient { BaseAddress = new Uri(env.WebhookUrl.GetLeftPart(UriPartial.Authority)) };

        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ""));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "readiness"));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "liveness"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, "/readyz"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, "/healthz"));
        using var watch = health.Watch(new HealthCheckRequest { Service = "readiness" });
        var seen = new List<ServingStatus>();
        Assert.True(await NextAsync(watch, seen, ServingStatus.Serving), "watch: " + string.Join(", ", seen));

        await cluster.StopServerAsync();
        Assert.True(await EventuallyAsync(async () => await StatusAsync(health, "readiness") == ServingStatus.NotServing),
            "readiness stayed SERVING with the database stopped");
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, ""));
        Assert.Single(env.Vault.Logs.Entries, e => e.EventId == 1040);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await GetAsync(http, "/readyz"));
        Assert.True(await NextAsync(watch, seen, ServingStatus.NotServing), "watch: " + string.Join(", ", seen));
        // Down is not dead: restarting the vault would not bring the database back.
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "liveness"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, "/healthz"));

        await cluster.StartServerAsync();
        Assert.True(await EventuallyAsync(async () => await StatusAsync(health, "readiness") == ServingStatus.Serving),
            "readiness stayed NOT_SERVING with the database back");
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, "/readyz"));
        Assert.True(await NextAsync(watch, seen, ServingStatus.Serving), "watch: " + string.Join(", ", seen));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ""));
        Assert.Single(env.Vault.Logs.Entries, e => e.EventId == 1041);
    }

    [Fact]
    public async Task ManyProbesAtOnce_UseOneDatabaseConnection_AndAnUnknownServiceIsNotFound()
    {
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = FastHealth });
        var health = env.Vault.Health;
        using var http = new HttpClient { BaseAddress = new Uri(env.WebhookUrl.GetLeftPart(UriPartial.Authority)) };

        var probes = Enumerable.Range(0, 200).Select(async i => i % 2 == 0
            ? (await GetAsync(http, "/readyz")).ToString()
            : (await StatusAsync(health, "readiness")).ToString());
        Assert.All(await Task.WhenAll(probes), p => Assert.Contains(p, new[] { "(OK, Healthy)", "Serving" }));

        await using var conn = new NpgsqlConnection(env.Vault.ConnectionString);
        await conn.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'payoutvault-health'", conn);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        // On the gRPC listener (HTTP/2 only) the plain-text endpoints do not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(new HttpClient
        {
            BaseAddress = env.Vault.Address, DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        }, "/readyz")).Item1);
    }

    private static async Task<ServingStatus> StatusAsync(Health.HealthClient health, string service) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = service })).Status;

    private static async Task<(HttpStatusCode, string)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Reads the watch stream until it reports <paramref name="wanted"/> (true) or 30 s pass (false).</summary>
    private static async Task<bool> NextAsync(AsyncServerStreamingCall<HealthCheckResponse> watch, List<ServingStatus> seen,
        ServingStatus wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await watch.ResponseStream.MoveNext(timeout.Token))
            {
                seen.Add(watch.ResponseStream.Current.Status);
                if (watch.ResponseStream.Current.Status == wanted) return true;
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
        return false;
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return false;
    }
}
