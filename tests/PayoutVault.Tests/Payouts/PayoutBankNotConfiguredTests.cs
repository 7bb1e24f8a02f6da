using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>A vault without Vault:Bank131:BaseUrl still tokenizes, but refuses payouts and stores nothing.</summary>
public sealed class PayoutBankNotConfiguredTests : VaultTestBase
{
    [Fact]
    public async Task CreatePayout_WithoutBankSettings_IsFailedPrecondition_AndStoresNothing()
    {
        var token = (await Server.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        var client = Server.Client<PayoutService.PayoutServiceClient>();

        var ex = await RpcErrors.ExpectAsync(StatusCode.FailedPrecondition,
            () => client.CreatePayoutAsync(PayoutEnvironment.Request(token)).ResponseAsync);

        Assert.Contains("Bank131", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "payouts"));
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "payout_events"));
        // A retry with the same key still stores nothing (no half-created payout to find).
        await RpcErrors.ExpectAsync(StatusCode.FailedPrecondition,
            () => client.CreatePayoutAsync(PayoutEnvironment.Request(token, key: "retry-1")).ResponseAsync);
        await RpcErrors.ExpectAsync(StatusCode.FailedPrecondition,
            () => client.CreatePayoutAsync(PayoutEnvironment.Request(token, key: "retry-1")).ResponseAsync);
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "payouts"));
    }

    [Fact]
    public async Task CreatePayout_WithoutBankSettings_StillValidatesInputFirst()
    {
        var client = Server.Client<PayoutService.PayoutServiceClient>();
        var request = PayoutEnvironment.Request("tok_123", amount: 0);

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => client.CreatePayoutAsync(request).ResponseAsync);

        Assert.Contains("amount_minor", ex.ViolatedFields());
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "payouts"));
    }
}
