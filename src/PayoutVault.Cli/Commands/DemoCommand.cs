using System.Text;
using Google.Protobuf;
using Grpc.Core;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// The main job's walk-through: tokenize a published test card, pay out to it through the bank, and print the
/// payout's events as the stream delivers them, ending with the bank's final result.
/// </summary>
public static class DemoCommand
{
    private const string TestPan = "4242424242424242";

    public static async Task<int> RunAsync(CliArgs args)
    {
        using var channel = VaultChannel.Open(args);
        var tokens = new TokenService.TokenServiceClient(channel);
        var payouts = new PayoutService.PayoutServiceClient(channel);

        var first = await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(TestPan)) });
        Console.Write("tokenized test card:  ");
        TokenizeCommand.Print(first.Card, first.Created);
        var again = await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(TestPan)) });
        Console.WriteLine(first.Card.Token == again.Card.Token ? "tokenized it again:   same token" : "ERROR: the same card got two tokens");
        if (args.Flag("tokenize-only")) return 0;

        var request = new CreatePayoutRequest
        {
            // Letters between the date parts: an unbroken run of 12+ digits could be refused as a card number.
            IdempotencyKey = "demo-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'fff", System.Globalization.CultureInfo.InvariantCulture),
            CardToken = first.Card.Token,
            AmountMinor = 10000,
            Currency = "rub",
            Recipient = new Recipient { FullName = "Ivanov Ivan" },
            Metadata = { ["reference"] = "demo" },
        };
        var payout = await payouts.CreatePayoutAsync(request);
        Console.WriteLine($"payout created:       {payout.PayoutId}  state {payout.State}  bank session {payout.BankSessionId}  card {payout.Card.Bin}******{payout.Card.Last4}");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(args.Int("timeout", 60)));
        using var call = payouts.WatchPayout(new WatchPayoutRequest { PayoutId = payout.PayoutId }, cancellationToken: timeout.Token);
        var last = PayoutState.Unspecified;
        await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            Console.WriteLine($"streamed event:       cursor {e.Cursor}  {e.Kind,-14} state {e.State}{(e.ErrorCode.Length > 0 ? "  error " + e.ErrorCode : "")}");
            last = e.State;
        }
        Console.WriteLine($"payout result:        {last}");
        return last == PayoutState.Succeeded ? 0 : 1;
    }
}
