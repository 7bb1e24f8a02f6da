using PayoutVault.Cli;
using PayoutVault.Cli.Commands;

// vaultctl: the operator's and developer's command-line client for the vault.
var commands = new Dictionary<string, Func<CliArgs, Task<int>>>(StringComparer.Ordinal)
{
    ["keygen"] = KeygenCommand.RunAsync,
    ["tokenize"] = TokenizeCommand.RunAsync,
    ["demo"] = DemoCommand.RunAsync,
    ["bench"] = BenchCommand.RunAsync,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("""
        usage: vaultctl <command> [options]
          keygen   --out FILE [--key-id ID]              create a master key file (mode 0600)
          tokenize --vault URL [--exp MM/YYYY]           tokenize a card number read from standard input
          demo     --vault URL [--sandbox URL]           tokenize a test card, pay out, stream the result
          bench    --vault URL --pg CONNSTR [--concurrency 64] [--seconds 10]
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
