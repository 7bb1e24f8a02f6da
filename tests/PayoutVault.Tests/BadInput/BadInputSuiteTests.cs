using System.Net;
using System.Text;
using Grpc.Core;
using PayoutVault.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// The bad-input suite (issue 9): several hundred generated cases against one real vault over mutual TLS gRPC and
/// its webhook listener. Every case must get its precise refusal (never INTERNAL, UNKNOWN or a 5xx), leave payouts,
/// payout events, cards and webhook deliveries exactly as they were (a verified webhook the vault keeps adds its
/// one delivery row and nothing else), leave exactly the audit record its refusal calls for, and answer without a
/// card number. Then the captured log, a pg_dump of the database and the watch_all stream are scanned for card
/// numbers. Failures are collected and reported together; the counts per surface are printed.
/// </summary>
public sealed class BadInputSuiteTests(BadInputFixture fx, ITestOutputHelper output) : IClassFixture<BadInputFixture>
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EveryGeneratedBadInput_GetsItsPreciseRefusal_WritesNothing_AndLeaksNoCardNumber()
    {
        var families = new (string Family, IReadOnlyList<object> Cases)[]
        {
            ("gRPC fields", GrpcFieldCases.All(fx).ToList<object>()),
            ("gRPC raw protobuf frames", ProtobufFrameCases.All().ToList<object>()),
            ("gRPC framing", GrpcFramingCases.All().ToList<object>()),
            ("webhook", WebhookCases.All(fx).ToList<object>()),
        };
        var failures = new List<string>();
        var perSurface = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        await using (var store = await StoreProbe.OpenAsync(fx.ConnectionString))
        {
            foreach (var (_, cases) in families)
                foreach (var c in cases)
                {
                    var problem = c switch
                    {
                        GrpcCase g => await RunAsync(g, store),
                        WebhookCase w => await RunAsync(w, store, http),
                        GrpcFramingCases.FramingCase f => await RunAsync(f, store),
                        _ => throw new InvalidOperationException(),
                    };
                    if (problem is not null) failures.Add($"{c}: {problem}");
                    var surface = c switch
                    {
                        GrpcCase g => g.Surface,
                        WebhookCase w => w.Surface,
                        GrpcFramingCases.FramingCase f => f.Surface,
                        _ => "?",
                    };
                    perSurface[surface] = perSurface.GetValueOrDefault(surface) + 1;
                }
        }

        failures.AddRange(await ScanForCardNumbersAsync());

        var total = families.Sum(f => f.Cases.Count);
        var report = new StringBuilder("Bad-input suite: cases run per surface\n");
        foreach (var (surface, count) in perSurface) report.Append($"  {surface,-34} {count,5}\n");
        foreach (var (family, cases) in families) report.Append($"  total {family,-28} {cases.Count,5}\n");
        report.Append($"  TOTAL {"",-28} {total,5}\n");
        report.Append($"  failures {failures.Count}");
        output.WriteLine(report.ToString());
        Console.WriteLine(report.ToString());

        Assert.True(total >= 300, $"only {total} generated cases ran; the suite promises at least 300");
        Assert.True(failures.Count == 0, $"{failures.Count} of {total} cases failed:\n" + string.Join("\n", failures));
    }

    private async Task<string?> RunAsync(GrpcFramingCases.FramingCase c, StoreProbe store)
    {
        var before = await store.ReadAsync();
        var (http, grpc, reply) = await GrpcFramingCases.SendAsync(fx.Vault, c.Caller, c.Frame);
        var after = await store.ReadAsync();
        var audit = await store.AuditActionsAfterAsync(before.LastAuditId);

        var problems = new List<string>();
        if (http != c.Http || grpc != c.Grpc)
            problems.Add($"expected HTTP {(int)c.Http} with {c.Grpc}, got HTTP {(int)http} with {grpc?.ToString() ?? "no grpc-status"}: {Printable(reply)}");
        if (!Equals(before.Untouchable, after.Untouchable) || before.Deliveries != after.Deliveries)
            problems.Add($"the store changed: {before} -> {after}");
        var expectedAudit = c.ExpectedAudit is null ? [] : new List<string> { c.ExpectedAudit };
        if (!audit.SequenceEqual(expectedAudit))
            problems.Add($"audit records [{string.Join(", ", audit)}], expected [{string.Join(", ", expectedAudit)}]");
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private async Task<string?> RunAsync(GrpcCase c, StoreProbe store)
    {
        var before = await store.ReadAsync();
        StatusCode status;
        string reply;
        IReadOnlyList<string> fields = [];
        try
        {
            await c.Call(fx.Vault.Channel(c.Caller), new CallOptions(deadline: DateTime.UtcNow + CallDeadline));
            status = StatusCode.OK;
            reply = "(answered OK)";
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            reply = e.Describe();
            fields = e.ViolatedFields();
        }
        var after = await store.ReadAsync();
        var audit = await store.AuditActionsAfterAsync(before.LastAuditId);

        var problems = new List<string>();
        if (status != c.Expected) problems.Add($"expected {c.Expected}, got {status}: {Printable(reply)}");
        else if (c.Field is not null && !fields.Contains(c.Field))
            problems.Add($"expected a violation of {c.Field}, got [{string.Join(", ", fields)}]");
        if (!Equals(before.Untouchable, after.Untouchable) || before.Deliveries != after.Deliveries)
            problems.Add($"the store changed: {before} -> {after}");
        var expectedAudit = c.AuditTrail?.ToList() ?? (c.ExpectedAudit is null ? [] : new List<string> { c.ExpectedAudit });
        if (!audit.SequenceEqual(expectedAudit))
            problems.Add($"audit records [{string.Join(", ", audit)}], expected [{string.Join(", ", expectedAudit)}]");
        if (CardDigits.Leak(reply) is { } leak) problems.Add("the answer holds " + leak);
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private async Task<string?> RunAsync(WebhookCase c, StoreProbe store, HttpClient http)
    {
        var before = await store.ReadAsync();
        var url = c.Path is null ? fx.Env.WebhookUrl : new Uri(fx.Env.WebhookUrl, c.Path);
        using var request = new HttpRequestMessage(c.Method, url);
        if (c.Method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(c.Body);
            request.Content.Headers.ContentType = null;
            if (!string.IsNullOrEmpty(c.ContentType)) request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
        }
        if (!c.OmitSignature) request.Headers.TryAddWithoutValidation(Bank131.Bank131Headers.Sign, c.Signature ?? fx.Poster.Sign(c.Body));
        HttpStatusCode status;
        string reply;
        try
        {
            using var response = await http.SendAsync(request);
            status = response.StatusCode;
            reply = response + "\n" + await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException e)
        {
            return "the request failed: " + e.GetType().Name + " " + e.Message;
        }
        var after = await store.ReadAsync();
        var audit = await store.AuditActionsAfterAsync(before.LastAuditId);

        var problems = new List<string>();
        if (status != c.Expected) problems.Add($"expected {(int)c.Expected}, got {(int)status}: {Printable(reply)}");
        else if (c.Reason is not null && !reply.Contains("\"" + c.Reason + "\"", StringComparison.Ordinal))
            problems.Add($"the answer does not name {c.Reason}: {Printable(reply)}");
        if ((int)status >= 500) problems.Add($"a server error ({(int)status})");
        if (!Equals(before.Untouchable, after.Untouchable))
            problems.Add($"payouts, events or cards changed: {before} -> {after}");
        if (after.Deliveries - before.Deliveries != c.NewDeliveries)
            problems.Add($"{after.Deliveries - before.Deliveries} new webhook deliveries, expected {c.NewDeliveries}");
        var expectedAudit = c.ExpectedAudit is null ? [] : new List<string> { c.ExpectedAudit };
        if (!audit.SequenceEqual(expectedAudit))
            problems.Add($"audit records [{string.Join(", ", audit)}], expected [{string.Join(", ", expectedAudit)}]");
        if (CardDigits.Leak(reply) is { } leak) problems.Add("the answer holds " + leak);
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>After every case: the whole log, a pg_dump of the database, and every streamed event.</summary>
    private async Task<IEnumerable<string>> ScanForCardNumbersAsync()
    {
        var found = new List<string>();
        var log = fx.Vault.Vault.Logs.AllText(includeTraceIds: false);
        if (CardDigits.Leak(log) is { } inLog) found.Add("the log holds " + inLog);
        foreach (var e in fx.Vault.Vault.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error))
            found.Add("an error was logged: " + Printable(e.ToText(includeTraceIds: false)));

        var dump = await PgDump.DumpAsync(fx.Vault.Vault.Database);
        if (CardDigits.Leak(dump, luhnRuns: false) is { } inDump) found.Add("the pg_dump holds " + inDump);

        var events = await Db.CountAsync(fx.ConnectionString, "payout_events");
        if (fx.Stream.Count != events) found.Add($"the watch_all stream saw {fx.Stream.Count} events, the table holds {events}");
        var streamed = string.Join("\n", fx.Stream.Events.Select(e => e.ToString()));
        if (CardDigits.Leak(streamed) is { } inStream) found.Add("the stream holds " + inStream);
        return found;
    }

    private static string Printable(string text)
    {
        var shown = text.Length > 300 ? text[..300] + "..." : text;
        return new string(shown.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
    }
}
