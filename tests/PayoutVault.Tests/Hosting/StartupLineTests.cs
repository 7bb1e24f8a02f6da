using System.Globalization;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Hosting;

/// <summary>
/// The start-up line tells an operator where each listener is: the gRPC listener and, when payouts are on, the Bank
/// 131 webhook listener, each under its own name (it used to list the webhook address as a gRPC one).
/// </summary>
public sealed class StartupLineTests
{
    private const int StartedEventId = 1000;

    [Fact]
    public async Task StartupLine_NamesTheGrpcAndTheWebhookListenerApart()
    {
        await using var env = await PayoutEnvironment.StartAsync();

        var line = Assert.Single(env.Vault.Logs!.Entries, e => e.EventId.Id == StartedEventId);
        var values = line.Properties.ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(env.Vault.Address.Port, new Uri(values["GrpcEndpoint"]!).Port);
        Assert.Equal(env.WebhookUrl.Port, new Uri(values["WebhookEndpoint"]!).Port);
        Assert.DoesNotContain(env.WebhookUrl.Port.ToString(CultureInfo.InvariantCulture), values["GrpcEndpoint"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupLine_WithoutPayouts_SaysTheWebhookListenerIsOff()
    {
        await using var vault = await VaultServer.StartAsync();

        var line = Assert.Single(vault.Logs!.Entries, e => e.EventId.Id == StartedEventId);

        Assert.Contains("off", line.Properties.Single(p => p.Key == "WebhookEndpoint").Value, StringComparison.Ordinal);
    }
}
