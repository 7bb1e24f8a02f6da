using Grpc.Core;
using Microsoft.Extensions.Logging;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>
/// Invariant 1: no full card number at rest outside the ciphertext, and none in logs or error text. Checked on the
/// real artefacts: a pg_dump of the database, every column of every table, and every captured log line.
/// </summary>
public sealed class NoCardDataLeakTests : VaultTestBase
{
    /// <summary>Every card number the tests sent, valid or not.</summary>
    private static readonly string[] SentNumbers = [.. TestCards.All, TestCards.LuhnInvalid, TestCards.Visa + "4242"];

    private async Task<List<string>> TokenizeAllAsync()
    {
        var tokens = new List<string>();
        foreach (var pan in TestCards.All)
            tokens.Add((await Server.Tokens.TokenizeAsync(pan, TokenRequests.FutureExpiry())).Card.Token);
        // A second call for one card (the dedupe path) and a deletion (the shred path).
        await Server.Tokens.TokenizeAsync(TestCards.Visa);
        await Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = tokens[^1] });
        return tokens;
    }

    private static void AssertNoCardDigits(string text, string what)
    {
        foreach (var pan in SentNumbers)
            Assert.False(CardDataScanner.ContainsPanDigits(text, pan), $"{what} holds digits of a card number ending {pan[^4..]}");
    }

    [Fact]
    public async Task PgDump_AfterTokenizingTestCards_HoldsNoCardNumberDigits()
    {
        var tokens = await TokenizeAllAsync();

        var dump = await PgDump.DumpAsync(Server.Database);

        Assert.Contains("COPY public.cards", dump, StringComparison.Ordinal);
        foreach (var token in tokens) Assert.Contains(token, dump, StringComparison.Ordinal);
        Assert.Contains("424242\t4242\tvisa", dump, StringComparison.Ordinal);
        AssertNoCardDigits(dump, "pg_dump");
    }

    [Fact]
    public async Task EveryColumnOfEveryTable_AfterTokenizingTestCards_HoldsNoCardNumberDigits()
    {
        var tokens = await TokenizeAllAsync();

        var all = await Db.DumpAllAsync(Server.ConnectionString);
        var clearColumns = await Db.DumpAllAsync(Server.ConnectionString, includeBinary: false);

        Assert.Equal(["cards", "key_versions", "master_keys", "schema_migrations"],
            (await Db.TablesAsync(Server.ConnectionString)).Intersect(["cards", "key_versions", "master_keys", "schema_migrations"]));
        foreach (var token in tokens) Assert.Contains(token, all, StringComparison.Ordinal);
        Assert.Contains("pan_ciphertext=\\x", all, StringComparison.Ordinal);
        AssertNoCardDigits(all, "the all-columns dump");
        Assert.Empty(CardDataScanner.FindLuhnRuns(clearColumns));
        // Clear metadata is at most BIN (6) and last 4.
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "cards", "length(bin) <> 6 OR length(last4) <> 4"));
    }

    [Fact]
    public async Task Logs_AfterTokenizeLookupsDeletesAndRejectedCalls_HoldNoCardNumberDigits()
    {
        var tokens = await TokenizeAllAsync();
        await Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = tokens[0] });
        var errors = new List<RpcException>
        {
            await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
                () => Server.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.LuhnInvalid)).ResponseAsync),
            await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
                () => Server.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.Visa + "4242")).ResponseAsync),
            await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
                () => Server.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.Visa2, new CardExpiry { Month = 13, Year = 2020 })).ResponseAsync),
            await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
                () => Server.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.Mastercard, new CardExpiry { Month = 1, Year = 2001 })).ResponseAsync),
            await RpcErrors.ExpectAsync(StatusCode.NotFound,
                () => Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = tokens[^1] }).ResponseAsync),
        };

        var entries = Server.Logs.Entries;
        var text = Server.Logs.AllText();

        // The capture really sees everything: the vault's own lines and framework Debug/Trace lines.
        Assert.Contains(entries, e => e.Message.Contains("Tokenized card into tok_", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Level <= LogLevel.Debug);
        AssertNoCardDigits(text, "the logs");
        Assert.Empty(CardDataScanner.FindLuhnRuns(Server.Logs.AllText(includeTraceIds: false)));
        foreach (var error in errors) AssertNoCardDigits(error.Describe(), "an error returned to the caller");
    }
}
