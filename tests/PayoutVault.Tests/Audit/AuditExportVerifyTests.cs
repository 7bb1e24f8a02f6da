using System.Text.Json;
using System.Text.Json.Nodes;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// `vaultctl audit export` writes a file that verifies offline on its own, and tampering with the file (an edited
/// record, records removed from the end) is named the same way as in the database.
/// </summary>
public sealed class AuditExportVerifyTests(AuditGoldenTrail golden) : IClassFixture<AuditGoldenTrail>
{
    [Fact]
    public async Task Export_VerifiesIntact_ThenAnEditInTheFile_IsBroken_AtThatRecord()
    {
        using var folder = new TempDirectory("pv-audit-export-");
        var file = folder.File("audit.jsonl");

        var export = await AuditCli.ExportAsync(golden.ConnectionString, file);
        Assert.True(export.ExitCode == 0, export.ToString());
        var intact = await AuditCli.VerifyFileAsync(file, golden.VaultPublicKeyHex);
        Assert.True(intact.ExitCode == 0, intact.ToString());

        var seq = golden.SeqOf(AuditActions.TokenDelete);
        var lines = await File.ReadAllLinesAsync(file);
        var edits = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var node = JsonNode.Parse(lines[i])!.AsObject();
            if ((string?)node["type"] != "record" || (long)node["seq"]! != seq) continue;
            node["caller"] = "payout-service";
            lines[i] = node.ToJsonString(new JsonSerializerOptions());
            edits++;
        }
        Assert.Equal(1, edits);
        await File.WriteAllLinesAsync(file, lines);

        var broken = await AuditCli.VerifyFileAsync(file);
        Assert.True(broken.ExitCode == 1, broken.ToString());
        Assert.Equal(seq, broken.BrokenAt);
    }

    [Fact]
    public async Task Export_WithItsLastRecordsRemoved_IsCaughtByTheExportedCheckpoint()
    {
        using var folder = new TempDirectory("pv-audit-export-");
        var file = folder.File("audit.jsonl");
        Assert.Equal(0, (await AuditCli.ExportAsync(golden.ConnectionString, file)).ExitCode);

        var kept = (await File.ReadAllLinesAsync(file))
            .Where(l => JsonNode.Parse(l)!["type"]!.GetValue<string>() != "record" || JsonNode.Parse(l)!["seq"]!.GetValue<long>() < golden.Head)
            .ToArray();
        await File.WriteAllLinesAsync(file, kept);

        var result = await AuditCli.VerifyFileAsync(file);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(golden.Head, result.BrokenAt);
    }
}
