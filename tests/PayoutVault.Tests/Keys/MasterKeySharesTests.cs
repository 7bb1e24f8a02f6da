using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Keys;

/// <summary>
/// PCI DSS 3.7.6, split knowledge and dual control: the master key as k-of-n shares. Any k shares start the vault
/// on the same key (every card still opens), k-1 shares, an altered share, a share of another split or a repeated
/// share refuse start-up; the key itself is never written by keygen.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // share files are checked for mode 0600
public sealed class MasterKeySharesTests
{
    [Fact]
    public void GaloisField_MatchesFips197_AndEveryNonZeroElementHasAnInverse()
    {
        Assert.Equal(0xC1, ShamirSecretSharing.Multiply(0x57, 0x83)); // FIPS-197 section 4.2
        Assert.Equal(0xFE, ShamirSecretSharing.Multiply(0x57, 0x13));
        for (var a = 1; a < 256; a++)
            Assert.Equal(1, ShamirSecretSharing.Multiply((byte)a, ShamirSecretSharing.Inverse((byte)a)));
    }

    [Fact]
    public void AnyThreeOfFiveShares_RecoverTheSecret_AndNoTwoDo()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, threshold: 3, shares: 5);
        var indexed = shares.Select((y, i) => ((byte)(i + 1), y)).ToArray();

        foreach (var subset in Subsets(indexed))
        {
            var combined = ShamirSecretSharing.Combine(subset);
            if (subset.Count >= 3) Assert.Equal(secret, combined);
            else Assert.NotEqual(secret, combined);
        }
        // No share is the secret, and the shares differ from each other.
        Assert.All(shares, s => Assert.NotEqual(secret, s));
        Assert.Equal(5, shares.Select(Convert.ToHexString).Distinct().Count());
    }

    private static IEnumerable<IReadOnlyList<(byte, byte[])>> Subsets((byte, byte[])[] all)
    {
        for (var mask = 1; mask < 1 << all.Length; mask++)
            yield return all.Where((_, i) => (mask & (1 << i)) != 0).ToList();
    }

    private static async Task<(MasterKeyShares.ShareSet Set, string Output)> KeygenAsync(string folder, int shares, int threshold)
    {
        var result = await AuditCli.RunAsync(["keygen", "--shares", shares.ToString(CultureInfo.InvariantCulture),
            "--threshold", threshold.ToString(CultureInfo.InvariantCulture), "--out-dir", folder]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var files = Directory.GetFiles(folder, "*.share-*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(shares, files.Count);
        var first = JsonNode.Parse(File.ReadAllText(files[0]))!;
        return (new MasterKeyShares.ShareSet((string)first["key_id"]!, (string)first["check_value"]!, threshold, files), result.Output);
    }

    private static Dictionary<string, string> ShareSettings(params string[] files)
    {
        var settings = new Dictionary<string, string> { ["Vault:Keys:MasterKeyFile"] = "" };
        for (var i = 0; i < files.Length; i++)
            settings[$"Vault:Keys:MasterKeyShareFiles:{i.ToString(CultureInfo.InvariantCulture)}"] = files[i];
        return settings;
    }

    private static string ShareFile(MasterKeyShares.ShareSet set, int index) =>
        set.Files.Single(f => f.EndsWith($".share-{index.ToString(CultureInfo.InvariantCulture)}-of-5.json", StringComparison.Ordinal));

    [Fact]
    public async Task AnyThreeOfFiveShareFiles_StartTheVaultOnTheSameKey_AndEveryCardStillOpens()
    {
        using var folder = new TempDirectory("pv-shares-");
        var (set, output) = await KeygenAsync(folder.Path, 5, 3);
        Assert.Contains(set.CheckValue, output, StringComparison.Ordinal);
        foreach (var file in set.Files)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.DoesNotContain("\"key\"", File.ReadAllText(file), StringComparison.Ordinal); // a share, never the key
        }

        await using var first = await VaultServer.StartAsync(new VaultServerOptions
        {
            Settings = ShareSettings(ShareFile(set, 1), ShareFile(set, 3), ShareFile(set, 5)),
        });
        Assert.Equal(set.KeyId, first.GetRequiredService<MasterKey>().Id);
        Assert.Equal(set.CheckValue, first.GetRequiredService<MasterKey>().CheckValue);
        var token = (await first.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        await first.StopAsync();

        // Three other custodians: shares 2, 4 and 5.
        await using var second = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = first.Database,
            Settings = ShareSettings(ShareFile(set, 2), ShareFile(set, 4), ShareFile(set, 5)),
        });
        var (_, pan) = await second.GetRequiredService<TokenVault>().OpenAsync(token, CancellationToken.None);
        using (pan) Assert.Equal(TestCards.Visa, Encoding.ASCII.GetString(pan.Span));
    }

    public static TheoryData<string> BadShareSets() => new() { "too_few", "altered", "other_split", "repeated", "readable_by_others", "not_a_share" };

    [Theory]
    [MemberData(nameof(BadShareSets))]
    public async Task ABadSetOfShares_RefusesStartUp_AndStoresNoKey(string kind)
    {
        using var folder = new TempDirectory("pv-shares-");
        var (set, _) = await KeygenAsync(folder.Path, 5, 3);
        string[] files = [ShareFile(set, 1), ShareFile(set, 2), ShareFile(set, 4)];
        string expected;
        switch (kind)
        {
            case "too_few":
                files = files[..2];
                expected = "needs 3 of its 5 shares; 2 given";
                break;
            case "altered":
            {
                var json = JsonNode.Parse(File.ReadAllText(files[1]))!;
                var share = Convert.FromBase64String((string)json["share"]!);
                share[7] ^= 0x01;
                json["share"] = Convert.ToBase64String(share);
                files[1] = Path.Combine(folder.Path, "altered.json");
                await File.WriteAllTextAsync(files[1], json.ToJsonString());
                File.SetUnixFileMode(files[1], UnixFileMode.UserRead | UnixFileMode.UserWrite);
                expected = "do not combine";
                break;
            }
            case "other_split":
            {
                using var other = new TempDirectory("pv-shares-");
                var (otherSet, _) = await KeygenAsync(other.Path, 5, 3);
                files[2] = Path.Combine(folder.Path, "foreign.json");
                File.Copy(otherSet.Files[2], files[2]);
                expected = "belongs to key";
                break;
            }
            case "repeated":
                files[2] = files[0];
                expected = "the same share was given twice";
                break;
            case "readable_by_others":
                File.SetUnixFileMode(files[0], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
                expected = "readable by others";
                break;
            default:
                files[0] = Path.Combine(folder.Path, "garbage.json");
                await File.WriteAllTextAsync(files[0], "{\"key_id\": \"x\"}");
                File.SetUnixFileMode(files[0], UnixFileMode.UserRead | UnixFileMode.UserWrite);
                expected = "is not a share file";
                break;
        }
        var database = await TestDatabase.CreateAsync();
        await using (database)
        {
            var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Database = database, Settings = ShareSettings(files) });

            var keyError = error as KeyConfigurationException ?? error.InnerException as KeyConfigurationException;
            Assert.True(keyError is not null, "expected a key configuration error, got " + error);
            Assert.Contains(expected, keyError.Message, StringComparison.Ordinal);
            var shareValue = (string)JsonNode.Parse(File.ReadAllText(ShareFile(set, 1)))!["share"]!;
            Assert.DoesNotContain(shareValue, error.ToString(), StringComparison.Ordinal);
            Assert.Equal(0, await Db.CountAsync(database.ConnectionString, "master_keys"));
        }
    }

    [Fact]
    public async Task TwoKeySources_AreRefused_NamingAllThree()
    {
        using var folder = new TempDirectory("pv-shares-");
        var (set, _) = await KeygenAsync(folder.Path, 5, 3);
        var settings = ShareSettings(set.Files[0], set.Files[1], set.Files[2]);
        settings.Remove("Vault:Keys:MasterKeyFile"); // the test server's own key file stays configured too

        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Settings = settings });

        Assert.Contains("Vault:Keys:MasterKeyShareFiles", error.Message, StringComparison.Ordinal);
    }
}
