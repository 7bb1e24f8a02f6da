using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// Over mutual TLS with two backends: a session belongs to the caller that created it. Another caller's session is
/// answered NOT_FOUND with the same text as one that does not exist, and capture.read alone cannot create sessions.
/// </summary>
public sealed class CaptureOwnershipTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("pv-capture-own-");
    private CertAuthority? _pageCa;
    private CertVault? _vault;

    public async Task InitializeAsync()
    {
        _pageCa = CertAuthority.Create("Capture page CA");
        using var pageCert = _pageCa.IssueServer();
        var (cert, key) = CertAuthority.WritePem(pageCert, _folder.Path, "page");
        _vault = await CertVault.StartAsync(new Dictionary<string, string[]>
        {
            ["shop-a"] = [Permissions.CaptureCreate, Permissions.CaptureRead],
            ["shop-b"] = [Permissions.CaptureCreate, Permissions.CaptureRead],
            ["reader"] = [Permissions.CaptureRead],
        }, settings: new Dictionary<string, string>
        {
            ["Vault:Capture:CertificateFile"] = cert,
            ["Vault:Capture:KeyFile"] = key,
            ["Vault:Capture:Port"] = TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
        _pageCa?.Dispose();
        _folder.Dispose();
    }

    private CaptureService.CaptureServiceClient Client(string caller) => new(_vault!.Channel(caller));

    [Fact]
    public async Task AnotherCallersSession_IsNotFound_LikeAnUnknownOne()
    {
        var created = await Client("shop-a").CreateCaptureSessionAsync(new CreateCaptureSessionRequest { AllowedOrigins = { "https://a.example.com" } });
        var id = created.Session.SessionId;

        Assert.Equal(id, (await Client("shop-a").GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id })).Session.SessionId);
        var foreign = await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Client("shop-b").GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id }).ResponseAsync);
        var unknownId = "cap_" + new string('z', 26);
        var unknown = await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Client("shop-b").GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = unknownId }).ResponseAsync);
        Assert.Equal(unknown.Status.Detail.Replace(unknownId, "ID", StringComparison.Ordinal), foreign.Status.Detail.Replace(id, "ID", StringComparison.Ordinal));
        Assert.Equal("shop-a", await Db.ScalarAsync<string>(_vault!.ConnectionString, "SELECT caller FROM capture_sessions WHERE session_id = @id", ("id", id)));
    }

    [Fact]
    public async Task CaptureReadAlone_CannotCreateSessions()
    {
        var before = await Db.CountAsync(_vault!.ConnectionString, "capture_sessions");
        var ex = await RpcErrors.ExpectAsync(StatusCode.PermissionDenied, () => Client("reader").CreateCaptureSessionAsync(
            new CreateCaptureSessionRequest { AllowedOrigins = { "https://a.example.com" } }).ResponseAsync);
        Assert.Contains(Permissions.CaptureCreate, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await Db.CountAsync(_vault.ConnectionString, "capture_sessions"));
    }
}
