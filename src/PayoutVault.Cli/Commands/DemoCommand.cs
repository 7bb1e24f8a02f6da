using System.Text;
using Google.Protobuf;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>The main job's walk-through: tokenize a published test card and show what the vault returns.</summary>
public static class DemoCommand
{
    private const string TestPan = "4242424242424242";

    public static async Task<int> RunAsync(CliArgs args)
    {
        using var channel = VaultChannel.Open(args);
        var tokens = new TokenService.TokenServiceClient(channel);
        var first = await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(TestPan)) });
        Console.Write("tokenized test card:       ");
        TokenizeCommand.Print(first.Card, first.Created);
        var again = await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(TestPan)) });
        Console.Write("tokenized it again:        ");
        TokenizeCommand.Print(again.Card, again.Created);
        Console.WriteLine(first.Card.Token == again.Card.Token ? "same card -> same token" : "ERROR: tokens differ");
        return first.Card.Token == again.Card.Token ? 0 : 1;
    }
}
