using System.Globalization;
using PayoutVault.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PayoutVault.Tests.Bench;

/// <summary>
/// `vaultctl bench` run as a separate process against a real vault and the bank sandbox, with one-second phases and
/// a handful of callers: every phase runs to its end and prints its row. Throughput itself is never asserted here
/// (the numbers belong to docs/benchmarks.md, not to a test).
/// </summary>
public sealed class BenchCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PayoutEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task Bench_WithTinyPhases_CompletesAndPrintsEveryPhaseRow()
    {
        var result = await AuditCli.RunAsync(
        [
            "bench", "--vault", _env.Vault.Address.ToString(), "--pg", _env.Vault.ConnectionString,
            "--webhook-url", _env.WebhookUrl.ToString(), "--bank-key", _env.Keys.BankPrivateKeyFile,
            "--concurrency", "2", "--seconds", "1", "--warmup", "0", "--subscribers", "5",
            "--load-tokens", "10", "--webhook-presign", "20", "--settle-timeout", "30",
            // The vault runs inside the test host, so this samples the test host: it exercises the RSS reading.
            "--vault-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        ], TimeSpan.FromMinutes(4));

        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Output.Split('\n');
        foreach (var phase in new[]
        {
            "no-op gRPC (health check)", "raw single-row INSERT", "RSA-2048 sign, 1 core", "Tokenize (new card each call)",
            "TokenizeBatch (2 streams, cards)",
            "GetToken (audited read)", "CreatePayout (2 callers)", "CreatePayout (1 caller)", "webhooks, signed, new bytes (2)",
            "CreatePayout (2 callers, 5 subs)", "  fan-out delivery (5 subs)",
        })
        {
            Assert.True(rows.Any(r => r.StartsWith(phase + " ", StringComparison.Ordinal)), $"no row for '{phase}':\n{result.Output}");
        }
        Assert.Equal(3, rows.Count(r => r.StartsWith("  settled, create -> final", StringComparison.Ordinal)));
        Assert.Contains("10 tokens loaded through Tokenize", result.Output, StringComparison.Ordinal);
        Assert.Contains("fan-out: 5 subscribers", result.Output, StringComparison.Ordinal);
        Assert.Contains("vault RSS during fan-out: max", result.Output, StringComparison.Ordinal);
        Assert.Contains("audit sealing (record built -> sealed into the chain):", result.Output, StringComparison.Ordinal);
        foreach (var target in new[]
        {
            "CreatePayout (2) / RSA-2048 sign, 1 core", "CreatePayout (2) p99 ms", "Webhooks / raw INSERT", "Tokenize / raw INSERT", "GetToken / raw INSERT",
            "TokenizeBatch cards / Tokenize calls",
            "CreatePayout (1 caller) p50 ms", "Webhooks p99 ms", "fan-out delivery p99 ms", "fan-out events missing",
            "audit commit -> sealed p99 ms",
        })
        {
            Assert.Contains(target, result.Output, StringComparison.Ordinal);
        }
    }
}
