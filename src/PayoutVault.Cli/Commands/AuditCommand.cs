using System.CommandLine;

namespace PayoutVault.Cli.Commands;

/// <summary>`vaultctl audit verify|export`: the audit trail checked offline, or written out for the archive.</summary>
public static class AuditCommand
{
    public static Command Create() => new("audit", "Verify the audit trail's hash chain and signed checkpoints, or export it.")
    {
        AuditVerifyCommand.Create(),
        AuditExportCommand.Create(),
    };
}
