using System.Globalization;
using PayoutVault.Core.Keys.Hsm;

namespace PayoutVault.Cli.Commands;

/// <summary>The token options shared by `keys hsm-init` and `keys rewrap`: --hsm-module, --hsm-token or --hsm-slot, --hsm-pin-file.</summary>
public static class HsmArgs
{
    public const string Usage = "--hsm-module LIB (--hsm-token LABEL | --hsm-slot N) --hsm-pin-file FILE";

    public static Pkcs11Options Parse(CliArgs args, string? keyLabel = null) => new()
    {
        ModulePath = args.Required("hsm-module"),
        TokenLabel = args.Optional("hsm-token"),
        Slot = args.Optional("hsm-slot") is { } slot
            ? ulong.TryParse(slot, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : throw new CliUsageException("--hsm-slot must be a number")
            : null,
        PinFile = args.Required("hsm-pin-file"),
        KeyLabel = keyLabel,
        MaxSessions = 1,
    };
}
