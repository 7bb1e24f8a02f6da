using System.CommandLine;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// Tokenizes one card number read from standard input (never from the command line, where it would land in shell
/// history and the process table).
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var connection = new VaultConnection();
        var expiry = new Option<CardExpiry?>("--exp")
        {
            Description = "The card's expiry, MM/YYYY.",
            HelpName = "MM/YYYY",
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                var parts = text.Split('/');
                if (parts.Length == 2
                    && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m is >= 1 and <= 12
                    && parts[1].Length == 4 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var y))
                    return new CardExpiry { Month = m, Year = y };
                r.AddError($"--exp must look like MM/YYYY (month 01-12, four-digit year), got '{text}'");
                return null;
            },
        };
        var command = new Command("tokenize", "Tokenize a card number read from standard input (never from the command line).")
        {
            expiry,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var line = (await Console.In.ReadLineAsync(ct))?.Trim() ?? "";
            using var channel = connection.Open(parse);
            var request = new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(line)) };
            if (parse.GetValue(expiry) is { } exp) request.Expiry = exp;
            var response = await new TokenService.TokenServiceClient(channel).TokenizeAsync(request, cancellationToken: ct);
            Print(response.Card, response.Created);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Print(CardToken card, bool created) =>
        Console.WriteLine($"token {card.Token}  bin {card.Bin}  last4 {card.Last4}  brand {card.Brand}  created {created.ToString().ToLowerInvariant()}");
}
