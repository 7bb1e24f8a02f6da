using PayoutVault.Cli;
using PayoutVault.Cli.Bench;
using PayoutVault.Cli.Commands;

// vaultctl: the operator's and developer's command-line client for the vault.
var commands = new Dictionary<string, Func<CliArgs, Task<int>>>(StringComparer.Ordinal)
{
    ["keygen"] = KeygenCommand.RunAsync,
    ["tokenize"] = TokenizeCommand.RunAsync,
    ["import"] = ImportCommand.RunAsync,
    ["demo"] = DemoCommand.RunAsync,
    ["bench"] = BenchCommand.RunAsync,
    ["keys"] = KeysCommand.RunAsync,
    ["audit"] = AuditCommand.RunAsync,
    ["retention"] = RetentionCommand.RunAsync,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("""
        usage: vaultctl <command> [options]
          keygen   --out FILE [--key-id ID]              create a master key file (mode 0600)
          keygen   --shares N --threshold K --out-dir DIR [--key-id ID]   a master key as N shares, any K recombine it
          tokenize --vault URL [--exp MM/YYYY]           tokenize a card number read from standard input
          import   --file CARDS.csv --vault URL [--mapping FILE] [--cards-per-message 500] [--lines N]
                   tokenize a file of PAN,expiry rows (from another vault) through TokenizeBatch; writes
                   line -> token to FILE (default CARDS.csv.tokens.csv); rerun the same command to resume
          demo     --vault URL [--sandbox URL]           tokenize a test card, pay out, stream the result
          bench    --vault URL --pg CONNSTR [--webhook-url URL --bank-key FILE] [--concurrency 64] [--seconds 10]
                   [--warmup 2] [--subscribers 1000] [--vault-pid PID] [--load-tokens N] [--phases a,b,..]
                   [--batch-streams 4] [--batch-cards 500]
                   throughput of every path next to same-run baselines (docs/benchmarks.md)
          keys rotate-data | rotate-fingerprint --vault URL [--wait]   rotate a key; cards move online
          keys status --vault URL                       key versions, rotation progress, master key id
          keys rewrap --pg CONNSTR --old-key FILE --new-key FILE   re-wrap key versions under a new master key
                      (--old-shares F1,F2,.. / --new-shares F1,F2,.. instead of a key file)
          audit verify (--pg CONNSTR | --file EXPORT) [--trusted-key HEX]   verify the hash chain and checkpoints
                       [--anchors FILE] [--expect-head SEQ:HASH]   and that no tail is missing behind a head kept off-box
          audit export --pg CONNSTR --out FILE          export the audit trail as JSON lines
          retention report --pg CONNSTR [--unused-for DAYS]   cards past the retention period (exit 1 if any)
        """);
    return 2;
}

try
{
    return await command(CliArgs.Parse(args.AsSpan(1)));
}
catch (CliUsageException e)
{
    Console.Error.WriteLine("vaultctl: " + e.Message);
    return 2;
}
