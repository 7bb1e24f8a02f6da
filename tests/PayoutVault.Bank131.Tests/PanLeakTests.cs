using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// Bank131Client results and exceptions never carry the card number, even when the bank quotes it back, the
/// connection fails, or the answer is garbage.
/// </summary>
public sealed class PanLeakTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private Bank131Client FakeBankClient(TimeSpan? timeout = null) =>
        new(fixture.Http,
            new Bank131Options { BaseUrl = fixture.Receiver.FakeBankUrl, ProjectId = "p", Timeout = timeout ?? TimeSpan.FromSeconds(5) },
            TestKeys.Shared.PartnerSigner());

    [Fact]
    public async Task A_bank_error_quoting_the_card_is_masked_in_the_result()
    {
        fixture.Receiver.FakeBank = request =>
        {
            using var doc = JsonDocument.Parse(request);
            var number = doc.RootElement.GetProperty("payment_method").GetProperty("card").GetProperty("bank_card").GetProperty("number").GetString();
            var answer = JsonSerializer.Serialize(new
            {
                status = "error",
                error = new { code = "card_number_does_not_exist", description = $"Card {number} (or {string.Join(' ', number!.Chunk(4).Select(c => new string(c)))}) is unknown" },
            });
            return (400, answer);
        };

        foreach (var pan in TestCards.All)
        {
            using var body = TestPayouts.Body(TestPayouts.NewPayoutId(), pan: pan);
            var result = await FakeBankClient().InitPayoutAsync(body, TestPayouts.NewKey(), CancellationToken.None);
            Assert.Equal(InitPayoutOutcome.Rejected, result.Outcome);
            Assert.Contains("[masked]", result.ErrorDescription, StringComparison.Ordinal);
            TestCards.AssertNoPan(result.ToString());
        }
    }

    [Fact]
    public async Task Garbage_answers_are_unknown_without_the_card()
    {
        fixture.Receiver.FakeBank = request => (200, "<html>" + Encoding.UTF8.GetString(request)[..20] + "</html>");
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId());
        var result = await FakeBankClient().InitPayoutAsync(body, TestPayouts.NewKey(), CancellationToken.None);
        Assert.Equal(InitPayoutOutcome.Unknown, result.Outcome);
        TestCards.AssertNoPan(result.ToString());
    }

    [Fact]
    public async Task A_refused_connection_is_unknown_without_the_card()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now

        var client = new Bank131Client(
            fixture.Http,
            new Bank131Options { BaseUrl = $"http://127.0.0.1:{port}", ProjectId = "p", Timeout = TimeSpan.FromSeconds(5) },
            TestKeys.Shared.PartnerSigner());
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId(), pan: TestCards.Mir);
        var result = await client.InitPayoutAsync(body, TestPayouts.NewKey(), CancellationToken.None);

        Assert.Equal(InitPayoutOutcome.Unknown, result.Outcome);
        Assert.StartsWith("Connection failed", result.FailureReason, StringComparison.Ordinal);
        TestCards.AssertNoPan(result.ToString());
    }

    [Fact]
    public async Task Caller_cancellation_before_sending_throws_and_after_sending_is_unknown()
    {
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId(), "slow");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.Client().InitPayoutAsync(body, TestPayouts.NewKey(), cancelled.Token));

        // Cancelled only once the bank holds the request (the slow scenario keeps it for seconds), so the cancellation
        // lands after sending however slow the machine is.
        using var later = new CancellationTokenSource();
        var key = TestPayouts.NewKey();
        var call = fixture.Client().InitPayoutAsync(body, key, later.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await fixture.ReceivedAsync(key)).Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.NotEmpty(await fixture.ReceivedAsync(key));
        await later.CancelAsync();
        var result = await call;
        Assert.Equal(InitPayoutOutcome.Unknown, result.Outcome);
        Assert.Contains("caller", result.FailureReason, StringComparison.Ordinal);
        TestCards.AssertNoPan(result.ToString());
    }

    [Fact]
    public async Task A_disposed_body_cannot_be_sent_and_the_error_does_not_quote_it()
    {
        var body = TestPayouts.Body(TestPayouts.NewPayoutId());
        body.Dispose();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(
            () => fixture.Client().InitPayoutAsync(body, TestPayouts.NewKey(), CancellationToken.None));
        TestCards.AssertNoPan(ex.ToString());
    }
}
