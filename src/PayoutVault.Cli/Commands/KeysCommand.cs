using System.CommandLine;
using System.Globalization;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// Key administration: `keys rotate-data`, `keys rotate-fingerprint` and `keys status` talk to a running vault over
/// gRPC (permission keys.admin); `keys rewrap` works on the database directly (see <see cref="KeysRewrapCommand"/>).
/// </summary>
public static class KeysCommand
{
    public static Command Create() => new("keys", "Key administration: rotate the data or fingerprint key, show key status, re-wrap under a new master key.")
    {
        KeysRotateCommand.Create("rotate-data", fingerprint: false),
        KeysRotateCommand.Create("rotate-fingerprint", fingerprint: true),
        KeysStatusCommand.Create(),
        KeysRewrapCommand.Create(),
    };

    internal static string Describe(KeyRotation r)
    {
        var percent = r.RowsTotal == 0 ? 100 : r.RowsDone * 100 / r.RowsTotal;
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Purpose} -> v{r.NewVersion}: {r.RowsDone}/{r.RowsTotal} cards ({percent}%) {(r.Complete ? "complete" : "running")}");
    }
}
