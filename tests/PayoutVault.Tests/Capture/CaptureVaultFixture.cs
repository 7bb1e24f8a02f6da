namespace PayoutVault.Tests.Capture;

/// <summary>One capture-enabled vault per test class.</summary>
public sealed class CaptureVaultFixture : IAsyncLifetime
{
    private CaptureVault? _vault;

    public CaptureVault Vault => _vault ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _vault = await CaptureVault.StartAsync();

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}
