using System.CommandLine;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// The main job's walk-through: tokenize a published test card, pay out to it through the bank, and print the
/// payout's events as the stream delivers them, ending with the bank's final result. Exit code 0 when the payout
/// succeeded, 1 when it ended otherwise or had no final state within --timeout.
/// </summary>
public static class DemoCommand
{
    private const string TestPan = "4242424242424242";

    public static Command Create()
    {
        var connection = new VaultConnection();
        var timeout = CliOptions.Int("--timeout", "Seconds to wait for the payout's final state.", 60);
        var tokenizeOnly = new Option<bool>("--tokenize-only") { Description = "Stop after tokenizing the test card twice." };
        var command = new Command("demo", $"Tokenize the test card {TestPan}, pay out to it through the bank and stream the payout's events.")
        {
            timeout, tokenizeOnly,
        };
        connection.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(connection.Open(parse), TimeSpan.FromSeconds(parse.GetValue(timeout)),
            parse.GetValue(tokenizeOnly), ct));
        return command;
    }

    private static async Task<int> RunAsync(Grpc.Net.Client.GrpcChannel channel, TimeSpan limit, bool tokenizeOnly, CancellationToken ct)
    {
        using var _ = channel;
        var tokens = new TokenService.TokenServiceClient(channel);
        var payouts = new PayoutService.PayoutServiceClient(channel);

        var first = await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(TestPan)) }, cancellationToken: ct);
        Console.Write("tokenized test card:  ");
        TokenizeCommand.Print(first.Card, first.Created);
        var again = await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(Encoding.ASCII.GetBytes(TestPan)) }, cancellationToken: ct);
        Console.WriteLine(first.Card.Token == again.Card.Token ? "tokenized it again:   same token" : "ERROR: the same card got two tokens");
        if (tokenizeOnly) return ExitCodes.Ok;

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
        var payout = await payouts.CreatePayoutAsync(request, cancellationToken: ct);
        Console.WriteLine($"payout created:       {payout.PayoutId}  state {payout.State}  bank session {payout.BankSessionId}  card {payout.Card.Bin}******{payout.Card.Last4}");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var last = PayoutState.Unspecified;
        try
        {
            using var call = payouts.WatchPayout(new WatchPayoutRequest { PayoutId = payout.PayoutId }, cancellationToken: timeout.Token);
            await foreach (var e in call.ResponseStream.ReadAllAsync(timeout.Token))
            {
                Console.WriteLine($"streamed event:       cursor {e.Cursor}  {e.Kind,-14} state {e.State}{(e.ErrorCode.Length > 0 ? "  error " + e.ErrorCode : "")}");
                last = e.State;
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested
            && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            Console.Error.WriteLine($"vaultctl: no final state within {limit.TotalSeconds:F0} s");
        }
        Console.WriteLine($"payout result:        {last}");
        return last == PayoutState.Succeeded ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }
}
