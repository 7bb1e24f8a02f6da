using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// The anchor file on a running vault: every checkpoint lands in it, one line each, matching the database, the file
/// only growing by appends; a path whose directory does not exist stops the start; a file that cannot be written is
/// logged at error level (event 1621) and never stops the checkpoint itself. The background checkpointer may sign a
/// head before the test forces it, so the tests wait for the newest stored checkpoint instead of the forced call's
/// return value.
/// </summary>
public sealed class AuditAnchorFileTests
{
    private static Dictionary<string, string> Settings(string anchorFile) => new()
    {
        ["Vault:Audit:AnchorFile"] = anchorFile,
    };

    /// <summary>Forces a checkpoint and returns the newest one stored (forced here or by the background loop).</summary>
    private static async Task<long> CheckpointAsync(VaultServer vault)
    {
        await vault.GetRequiredService<AuditCheckpointer>().SignIfDueAsync(force: true, CancellationToken.None);
        return await Db.ScalarAsync<long>(vault.ConnectionString, "SELECT COALESCE(max(seq), 0) FROM audit_checkpoints");
    }

    private static async Task<IReadOnlyList<AuditCheckpoint>> WaitForAnchorAsync(string path, long seq)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var anchors = File.Exists(path) ? await AuditAnchorFile.ReadAsync(path) : [];
            if (anchors.Any(a => a.Seq == seq)) return anchors;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"no anchor for record {seq} in {path}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Checkpoints_AreAppended_OneLineEach_MatchingTheDatabase()
    {
        using var folder = new TempDirectory();
        var path = folder.File("anchors.jsonl");
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = Settings(path) });

        await vault.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.Visa));
        var first = await CheckpointAsync(vault);
        await WaitForAnchorAsync(path, first);
        var firstBytes = await File.ReadAllBytesAsync(path);
        await vault.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.Mastercard));
        var second = await CheckpointAsync(vault);
        var anchors = await WaitForAnchorAsync(path, second);

        Assert.True(second > first, $"second checkpoint {second} after {first}");
        // Anchors are written after their checkpoint commits: every line is a stored checkpoint, byte for byte.
        var stored = (await AuditTrailReader.FromDatabaseAsync(vault.ConnectionString)).Checkpoints
            .Select(AuditAnchorFile.ToJsonLine).ToHashSet(StringComparer.Ordinal);
        Assert.All(anchors, a => Assert.Contains(AuditAnchorFile.ToJsonLine(a), stored));
        Assert.Equal(anchors.Count, anchors.Select(a => a.Seq).Distinct().Count());
        // Appended, never rewritten: the file as it was after the first checkpoint is a prefix of what it is now.
        Assert.Equal(firstBytes, (await File.ReadAllBytesAsync(path))[..firstBytes.Length]);
    }

    [Fact]
    public async Task AnchorFileInAMissingDirectory_StopsTheStart()
    {
        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Settings = Settings("/nonexistent-dir-for-anchors/anchors.jsonl"),
        });

        Assert.Contains("Vault:Audit:AnchorFile", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnwritableAnchorFile_IsLoggedAsAnError_AndTheCheckpointStillCommits()
    {
        using var folder = new TempDirectory();
        var directoryAsFile = folder.File("not-a-file");
        Directory.CreateDirectory(directoryAsFile);
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = Settings(directoryAsFile) });

        await vault.Tokens.TokenizeAsync(TokenRequests.Tokenize(TestCards.Visa));
        var seq = await CheckpointAsync(vault);

        Assert.True(seq > 0);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!vault.Logs.Entries.Any(e => e.EventId.Id == 1621 && e.Message.Contains($"record {seq} ", StringComparison.Ordinal))
               && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var failure = Assert.Single(vault.Logs.Entries, e => e.EventId.Id == 1621 && e.Message.Contains($"record {seq} ", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, failure.Level);
        // The log stream still carries the anchor.
        Assert.Contains(vault.Logs.Entries, e => e.EventId.Id == 1620 && e.Message.Contains($"record {seq} ", StringComparison.Ordinal));
    }
}
