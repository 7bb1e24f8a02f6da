using System.CommandLine;
using System.Globalization;
using PayoutVault.Core.Keys.Hsm;

namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// The token options of `keys hsm-init` and `keys rewrap`: --hsm-module, --hsm-token or --hsm-slot, --hsm-pin-file.
/// One instance per command; <see cref="Read"/> turns them into the same settings the vault reads from Vault:Keys:Pkcs11.
/// </summary>
public sealed class HsmOptions
{
    public Option<string> Module { get; } = CliOptions.ExistingFile("--hsm-module",
        "The HSM vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so.");

    public Option<string> Token { get; } = CliOptions.Text("--hsm-token", "The token's label (or give --hsm-slot).", "LABEL");

    public Option<string> Slot { get; } = CliOptions.Text("--hsm-slot", "The token's slot id, instead of --hsm-token.", "N");

    public Option<string> PinFile { get; } = CliOptions.ExistingFile("--hsm-pin-file",
        "File holding the token's user PIN, readable by its owner only (mode 0600).");

    /// <summary>Adds the options; <paramref name="needed"/> says whether this command line uses the token.</summary>
    public void AddTo(Command command, Func<System.CommandLine.Parsing.CommandResult, bool> needed)
    {
        command.Add(Module);
        command.Add(Token);
        command.Add(Slot);
        command.Add(PinFile);
        command.Validators.Add(r =>
        {
            if (r.GetResult(Slot) is not null && !ulong.TryParse(CliOptions.ValidValue(r, Slot), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                r.AddError("--hsm-slot must be a slot id (a whole number)");
            if (!needed(r)) return;
            if (r.GetResult(Module) is null || r.GetResult(PinFile) is null)
                r.AddError("the HSM needs --hsm-module LIB and --hsm-pin-file FILE");
            if ((r.GetResult(Token) is null) == (r.GetResult(Slot) is null))
                r.AddError("give exactly one of --hsm-token LABEL or --hsm-slot N");
        });
    }

    public Pkcs11Options Read(ParseResult parse, string? keyLabel = null) => new()
    {
        ModulePath = parse.GetValue(Module),
        TokenLabel = parse.GetValue(Token),
        Slot = parse.GetValue(Slot) is { } slot ? ulong.Parse(slot, NumberStyles.None, CultureInfo.InvariantCulture) : null,
        PinFile = parse.GetValue(PinFile),
        KeyLabel = keyLabel,
        MaxSessions = 1,
    };
}
