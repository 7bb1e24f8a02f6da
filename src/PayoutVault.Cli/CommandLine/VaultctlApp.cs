using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Grpc.Core;
using Npgsql;
using PayoutVault.Cli.Bench;
using PayoutVault.Cli.Commands;

namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// vaultctl's command tree and the one place that turns what happened into an exit code (<see cref="ExitCodes"/>).
/// Each command builds its own <see cref="Command"/> in its own file; adding one is one line in <see cref="Build"/>.
/// </summary>
public static class VaultctlApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "vaultctl: the operator's and developer's client for PayoutVault. Master key files and shares, tokenize, "
            + "bulk import of a card file, "
            + "the demo, the benchmark, audit trail verification and export, retention report, key rotation.\n\n"
            + ExitCodes.Table.TrimEnd())
        {
            KeygenCommand.Create(),
            TokenizeCommand.Create(),
            ImportCommand.Create(),
            DemoCommand.Create(),
            BenchCommand.Create(),
            KeysCommand.Create(),
            AuditCommand.Create(),
            RetentionCommand.Create(),
        };
        return root;
    }

    /// <summary>Parses and runs one command line; <paramref name="configuration"/> lets tests capture the output.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, InvocationConfiguration? configuration = null)
    {
        var output = configuration?.Output ?? Console.Out;
        var error = configuration?.Error ?? Console.Error;
        var parse = Build().Parse(args);
        if (parse.Action is ParseErrorAction) return Usage(parse, error);

        // Exceptions are ours to map: System.CommandLine's handler would print a stack trace and exit 1, the code that
        // means "the check failed".
        var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error };
        try
        {
            return await parse.InvokeAsync(invocation);
        }
        catch (CliUsageException e)
        {
            await error.WriteLineAsync("vaultctl: " + e.Message);
            await error.WriteLineAsync(UsageHint(parse.CommandResult));
            return ExitCodes.Usage;
        }
        // Ctrl+C or SIGTERM cancels the token the commands pass on; a gRPC call then ends as Cancelled.
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            await error.WriteLineAsync("vaultctl: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (RpcException e)
        {
            await error.WriteLineAsync($"vaultctl: the vault answered {e.StatusCode}: {e.Status.Detail}");
            return ExitCodes.Unavailable;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await error.WriteLineAsync($"vaultctl: database error: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            await error.WriteLineAsync($"vaultctl: {e.Message}");
            return ExitCodes.Unavailable;
        }
    }

    private static int Usage(ParseResult parse, TextWriter error)
    {
        foreach (var e in parse.Errors) error.WriteLine("vaultctl: " + e.Message);
        error.WriteLine(UsageHint(parse.CommandResult));
        return ExitCodes.Usage;
    }

    /// <summary>"usage: vaultctl audit verify [options]" and where the full help is.</summary>
    private static string UsageHint(CommandResult command)
    {
        var path = new List<string>();
        for (SymbolResult? r = command; r is CommandResult c; r = c.Parent)
            path.Insert(0, c.Command is RootCommand ? "vaultctl" : c.Command.Name);
        var name = string.Join(' ', path);
        var shape = command.Command.Subcommands.Count > 0
            ? $"{name} <{string.Join('|', command.Command.Subcommands.Where(s => !s.Hidden).Select(s => s.Name))}> [options]"
            : $"{name} [options]";
        return $"usage: {shape}\n'{name} --help' describes every option; exit code 2 (usage)";
    }
}
