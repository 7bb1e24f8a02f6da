using System.Text;
using Google.Protobuf;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// Tokenizes one card number read from standard input (never from the command line, where it would land in shell
/// history and the process table).
/// </summary>
public static class TokenizeCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var line = (await Console.In.ReadLineAsync())?.Trim() ?? "";
        using var channel = VaultChannel.Open(args);
        var request = new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(line)) };
        if (args.Optional("exp") is { } exp) request.Expiry = ParseExpiry(exp);
        var response = await new TokenService.TokenServiceClient(channel).TokenizeAsync(request);
        Print(response.Card, response.Created);
        return 0;
    }

    public static void Print(CardToken card, bool created) =>
        Console.WriteLine($"token {card.Token}  bin {card.Bin}  last4 {card.Last4}  brand {card.Brand}  created {created.ToString().ToLowerInvariant()}");

    private static CardExpiry ParseExpiry(string value)
    {
        var parts = value.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var m) || !int.TryParse(parts[1], out var y))
            throw new CliUsageException("--exp must look like MM/YYYY");
        return new CardExpiry { Month = m, Year = y };
    }
}
