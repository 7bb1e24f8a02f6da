using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Rotation;

/// <summary>
/// Synthetic card numbers for volume: "99" (no real issuer), random digits and a Luhn check digit, made at run time
/// so none is ever committed.
/// </summary>
public static class SyntheticCards
{
    public static string Next()
    {
        var digits = new char[16];
        digits[0] = '9';
        digits[1] = '9';
        for (var i = 2; i < 15; i++) digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        digits[15] = (char)('0' + LuhnCheckDigit(digits.AsSpan(0, 15)));
        return new string(digits);
    }

    private static int LuhnCheckDigit(ReadOnlySpan<char> body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }
}

/// <summary>Settings, waits and checks shared by the rotation tests.</summary>
public static class RotationKit
{
    public static readonly string[] TestPans = [TestCards.Visa, TestCards.Visa2, TestCards.Mastercard, TestCards.Mir];

    /// <summary>Job pacing for tests: small batches and short polls, so a rotation spans several batches.</summary>
    public static Dictionary<string, string> Settings(int batchSize = 20, int batchDelayMs = 50, int pollMs = 200) => new()
    {
        ["Vault:Rotation:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Vault:Rotation:BatchDelay"] = TimeSpan.FromMilliseconds(batchDelayMs).ToString(),
        ["Vault:Rotation:PollInterval"] = TimeSpan.FromMilliseconds(pollMs).ToString(),
    };

    public static KeyService.KeyServiceClient Keys(this VaultServer server) => server.Client<KeyService.KeyServiceClient>();

    /// <summary>Tokenizes every PAN (a few at a time) and returns token -> PAN.</summary>
    public static async Task<Dictionary<string, string>> SeedAsync(VaultServer server, IEnumerable<string> pans)
    {
        var result = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(pans, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (pan, _) =>
            result[(await server.Tokens.TokenizeAsync(pan)).Card.Token] = pan);
        return new Dictionary<string, string>(result, StringComparer.Ordinal);
    }

    /// <summary>Polls GetKeyStatus until the rotation to <paramref name="version"/> is complete.</summary>
    public static async Task<KeyRotation> WaitForCompleteAsync(VaultServer server, string purpose, int version, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var status = await server.Keys().GetKeyStatusAsync(new GetKeyStatusRequest());
            var rotation = status.Rotations.FirstOrDefault(r => r.Purpose == purpose && r.NewVersion == version);
            if (rotation is { Complete: true }) return rotation;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"{purpose} rotation to v{version} did not complete: {rotation}");
            await Task.Delay(100);
        }
    }

    /// <summary>Decrypts every token in memory (TokenVault.OpenAsync, the payout path) and compares it with its PAN.</summary>
    public static async Task AssertEveryTokenOpensAsync(VaultServer server, IReadOnlyDictionary<string, string> tokens)
    {
        var vault = server.GetRequiredService<TokenVault>();
        foreach (var (token, pan) in tokens)
        {
            var (_, digits) = await vault.OpenAsync(token, CancellationToken.None);
            using (digits) Assert.True(Encoding.ASCII.GetString(digits.Span) == pan, $"token {token} opened to another card");
        }
    }

    public static Task<long> AuditCountAsync(VaultServer server, string action, string? outcome = null) => outcome is null
        ? Db.CountAsync(server.ConnectionString, "audit_log", "action = @a", ("a", action))
        : Db.CountAsync(server.ConnectionString, "audit_log", "action = @a AND outcome = @o", ("a", action), ("o", outcome));

    public static Task<long> LiveCardsNotAtAsync(VaultServer server, string column, int version) =>
        Db.CountAsync(server.ConnectionString, "cards", $"deleted_at IS NULL AND {column} <> @v", ("v", version));
}

/// <summary>
/// Concurrent traffic during a rotation: tokenize loops (new synthetic cards, and known cards that must come back
/// with their existing token) and, when a payout environment is given, CreatePayout loops. Every failed call is kept.
/// </summary>
public sealed class TrafficLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public ConcurrentDictionary<string, string> Created { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<string> Failures { get; } = new();
    public ConcurrentQueue<string> PayoutIds { get; } = new();
    public int Tokenized;
    public int Payouts;

    public static TrafficLoad Start(VaultServer vault, IReadOnlyDictionary<string, string> known,
        PayoutEnvironment? payouts = null, int tokenizers = 3)
    {
        var load = new TrafficLoad();
        var knownList = known.ToArray();
        for (var i = 0; i < tokenizers; i++) load._loops.Add(Task.Run(() => load.TokenizeLoopAsync(vault, knownList)));
        if (payouts is not null) load._loops.Add(Task.Run(() => load.PayoutLoopAsync(payouts, knownList)));
        return load;
    }

    private async Task TokenizeLoopAsync(VaultServer vault, KeyValuePair<string, string>[] known)
    {
        var n = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (n++ % 2 == 0)
                {
                    var pan = SyntheticCards.Next();
                    var response = await vault.Tokens.TokenizeAsync(pan);
                    Created[response.Card.Token] = pan;
                }
                else
                {
                    var (token, pan) = known[RandomNumberGenerator.GetInt32(known.Length)];
                    var response = await vault.Tokens.TokenizeAsync(pan);
                    if (response.Card.Token != token || response.Created)
                        Failures.Enqueue($"known card came back as {response.Card.Token} (created {response.Created}), expected {token}");
                }
                Interlocked.Increment(ref Tokenized);
            }
            catch (RpcException e)
            {
                Failures.Enqueue("Tokenize: " + e.Describe());
            }
            await Task.Delay(5);
        }
    }

    private async Task PayoutLoopAsync(PayoutEnvironment env, KeyValuePair<string, string>[] known)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var token = known[RandomNumberGenerator.GetInt32(known.Length)].Key;
                var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));
                if (payout.State == PayoutState.Failed)
                    Failures.Enqueue($"payout {payout.PayoutId} failed: {payout.ErrorCode}");
                PayoutIds.Enqueue(payout.PayoutId);
                Interlocked.Increment(ref Payouts);
            }
            catch (RpcException e)
            {
                Failures.Enqueue("CreatePayout: " + e.Describe());
            }
            await Task.Delay(40);
        }
    }

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    /// <summary>Stops and asserts that every call succeeded and that traffic really flowed.</summary>
    public async Task AssertCleanAsync(bool expectPayouts)
    {
        await StopAsync();
        Assert.True(Failures.IsEmpty, "failed calls:\n" + string.Join("\n", Failures.Take(20)));
        Assert.True(Tokenized > 0, "no tokenize call ran");
        if (expectPayouts) Assert.True(Payouts > 0, "no payout call ran");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
