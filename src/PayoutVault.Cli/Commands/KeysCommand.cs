using System.Globalization;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// Key administration: `keys rotate-data`, `keys rotate-fingerprint` and `keys status` talk to a running vault over
/// gRPC (permission keys.admin); `keys rewrap` works on the database directly (see <see cref="KeysRewrapCommand"/>).
/// </summary>
public static class KeysCommand
{
    public const string Usage = """
          keys rotate-data        --vault URL [--wait]   new data key version; cards are re-encrypted online
          keys rotate-fingerprint --vault URL [--wait]   new fingerprint key version; fingerprints recomputed online
          keys status             --vault URL            key versions, rotation progress, master key id + check value
          keys rewrap --pg CONNSTR --old-key FILE --new-key FILE   re-wrap every key version under a new master key
                      (--old-/--new-shares F1,F2,... or --old-/--new-hsm-key LABEL with the --hsm-* options: file <-> HSM)
          """ + KeysHsmInitCommand.Usage + """

        """;

    public static async Task<int> RunAsync(CliArgs args)
    {
        switch (args.Positional.FirstOrDefault())
        {
            case "rotate-data": return await RotateAsync(args, fingerprint: false);
            case "rotate-fingerprint": return await RotateAsync(args, fingerprint: true);
            case "status": return await StatusAsync(args);
            case "rewrap": return await KeysRewrapCommand.RunAsync(args);
            case "hsm-init": return await KeysHsmInitCommand.RunAsync(args);
            default: throw new CliUsageException("usage:\n" + Usage);
        }
    }

    private static async Task<int> RotateAsync(CliArgs args, bool fingerprint)
    {
        using var channel = VaultChannel.Open(args);
        var client = new KeyService.KeyServiceClient(channel);
        var started = fingerprint
            ? await client.RotateFingerprintKeyAsync(new RotateKeyRequest())
            : await client.RotateDataKeyAsync(new RotateKeyRequest());
        Console.WriteLine($"rotation started: {Describe(started)}");
        if (!args.Flag("wait")) return 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var status = await client.GetKeyStatusAsync(new GetKeyStatusRequest());
            var current = status.Rotations.FirstOrDefault(r => r.Purpose == started.Purpose && r.NewVersion == started.NewVersion);
            if (current is null) continue;
            Console.WriteLine(Describe(current));
            if (current.Complete) return 0;
        }
    }

    private static async Task<int> StatusAsync(CliArgs args)
    {
        using var channel = VaultChannel.Open(args);
        var status = await new KeyService.KeyServiceClient(channel).GetKeyStatusAsync(new GetKeyStatusRequest());
        Console.WriteLine($"master key {status.MasterKeyId} (check value {status.MasterKeyCheckValue})");
        foreach (var v in status.Versions)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{v.Purpose,-12} v{v.Version,-4} {v.State,-8} wrapped by {v.MasterKeyId}, created {v.CreatedAt.ToDateTime():u}"));
        if (status.Rotations.Count == 0) Console.WriteLine("no rotation yet");
        foreach (var r in status.Rotations) Console.WriteLine("rotation " + Describe(r));
        return 0;
    }

    internal static string Describe(KeyRotation r)
    {
        var percent = r.RowsTotal == 0 ? 100 : r.RowsDone * 100 / r.RowsTotal;
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Purpose} -> v{r.NewVersion}: {r.RowsDone}/{r.RowsTotal} cards ({percent}%) {(r.Complete ? "complete" : "running")}");
    }
}
