using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

public sealed class HealthTests
{
    [Fact]
    public async Task HealthCheck_RunningVault_AnswersServing()
    {
        await using var server = await VaultServer.StartAsync();

        var response = await server.Health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task HealthService_IsMappedOnTheGrpcListener_AndReportsRegisteredChecks()
    {
        await using var server = await VaultServer.StartAsync(new VaultServerOptions
        {
            Configure = b => b.Services.AddHealthChecks().AddCheck("test-probe", () => HealthCheckResult.Healthy()),
        });

        var response = await server.Health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
