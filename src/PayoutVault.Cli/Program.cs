using PayoutVault.Cli.CommandLine;

// vaultctl: the operator's and developer's command-line client for the vault. The commands live in Commands/ and
// Bench/, one file each; VaultctlApp wires them and maps outcomes to the documented exit codes.
return await VaultctlApp.RunAsync(args);
