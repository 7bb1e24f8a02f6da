using System.Security.Cryptography;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// CreateCaptureSession and GetCaptureSession: what a session stores (only the secret's hash), and bad input
/// refused with INVALID_ARGUMENT naming the field, never echoing a card number, storing nothing.
/// </summary>
public sealed class CaptureSessionArgumentTests(CaptureVaultFixture fx) : IClassFixture<CaptureVaultFixture>
{
    private CaptureVault V => fx.Vault;

    [Fact]
    public async Task Create_ReturnsAnOpenSessionAndAOneTimeUrl_AndStoresOnlyTheSecretsHash()
    {
        var created = await V.Sessions.CreateCaptureSessionAsync(new CreateCaptureSessionRequest
        {
            AllowedOrigins = { "https://Shop.Example.com:443", "https://shop.example.com", "https://admin.example.com:8443" },
            ExpiresInMinutes = 5,
            Reference = "order 77",
        });

        var s = created.Session;
        Assert.Matches("^cap_[a-z2-7]{26}$", s.SessionId);
        Assert.Equal(CaptureSessionState.Open, s.State);
        // Normalised as browsers serialise origins (lowercase, default port dropped) and de-duplicated.
        Assert.Equal(["https://shop.example.com", "https://admin.example.com:8443"], s.AllowedOrigins.ToArray());
        Assert.Equal(TimeSpan.FromMinutes(5), s.ExpiresAt.ToDateTime() - s.CreatedAt.ToDateTime());
        Assert.StartsWith($"{V.Origin}/capture/{s.SessionId}#", created.Url, StringComparison.Ordinal);
        var secret = CaptureVault.SecretOf(created.Url);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", secret);

        var stored = await Db.ScalarAsync<byte[]>(V.ConnectionString, "SELECT secret_sha256 FROM capture_sessions WHERE session_id = @id", ("id", s.SessionId));
        Assert.Equal(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret)), stored);
        Assert.DoesNotContain(secret, await Db.DumpAllAsync(V.ConnectionString), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, V.Vault.Logs.AllText(), StringComparison.Ordinal);
        var row = Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureCreate, objectId: s.SessionId));
        Assert.Equal(("anonymous", "open"), (row.Caller, row.Outcome));

        var read = (await V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = s.SessionId })).Session;
        Assert.Equal((CaptureSessionState.Open, "order 77"), (read.State, read.Reference));
        Assert.Null(read.Card);
        Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureRead, objectId: s.SessionId));
    }

    private static readonly string Pan = TestCards.Visa2;

    private static readonly Dictionary<string, (string[] Origins, int Minutes, string Reference, string Field)> CreateCases = new()
    {
        ["no origin"] = ([], 0, "", "allowed_origins"),
        ["six origins"] = (Enumerable.Range(1, 6).Select(i => $"https://s{i}.example.com").ToArray(), 0, "", "allowed_origins"),
        ["http"] = (["http://shop.example.com"], 0, "", "allowed_origins[0]"),
        ["http localhost outside development"] = (["http://localhost:3000"], 0, "", "allowed_origins[0]"),
        ["wildcard host"] = (["https://*.example.com"], 0, "", "allowed_origins[0]"),
        ["wildcard"] = (["*"], 0, "", "allowed_origins[0]"),
        ["null origin"] = (["null"], 0, "", "allowed_origins[0]"),
        ["path"] = (["https://shop.example.com/checkout"], 0, "", "allowed_origins[0]"),
        ["trailing slash"] = (["https://shop.example.com/"], 0, "", "allowed_origins[0]"),
        ["query"] = (["https://shop.example.com?a=1"], 0, "", "allowed_origins[0]"),
        ["fragment"] = (["https://shop.example.com#x"], 0, "", "allowed_origins[0]"),
        ["user info"] = (["https://user@shop.example.com"], 0, "", "allowed_origins[0]"),
        ["port 0"] = (["https://shop.example.com:0"], 0, "", "allowed_origins[0]"),
        ["port 99999"] = (["https://shop.example.com:99999"], 0, "", "allowed_origins[0]"),
        ["javascript scheme"] = (["javascript:alert(1)"], 0, "", "allowed_origins[0]"),
        ["data scheme"] = (["data://text/html"], 0, "", "allowed_origins[0]"),
        ["space in host"] = (["https://shop .example.com"], 0, "", "allowed_origins[0]"),
        ["non-ASCII host"] = (["https://b\u00fccher.example"], 0, "", "allowed_origins[0]"),
        ["label with leading hyphen"] = (["https://-shop.example.com"], 0, "", "allowed_origins[0]"),
        ["IPv4 out of range"] = (["https://256.1.1.1"], 0, "", "allowed_origins[0]"),
        ["card number as host"] = ([$"https://{Pan}.example.com"], 0, "", "allowed_origins[0]"),
        ["second origin bad"] = (["https://shop.example.com", "ftp://shop.example.com"], 0, "", "allowed_origins[1]"),
        ["201 characters"] = (["https://" + new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + ".example.com"], 0, "", "allowed_origins[0]"),
        ["expiry -1"] = (["https://shop.example.com"], -1, "", "expires_in_minutes"),
        ["expiry 61"] = (["https://shop.example.com"], 61, "", "expires_in_minutes"),
        ["expiry int.MaxValue"] = (["https://shop.example.com"], int.MaxValue, "", "expires_in_minutes"),
        ["reference 129 characters"] = (["https://shop.example.com"], 0, new string('r', 129), "reference"),
        ["reference with a line break"] = (["https://shop.example.com"], 0, "order\n1", "reference"),
        ["reference with a bidi override"] = (["https://shop.example.com"], 0, "order\u202e1", "reference"),
        ["reference blank"] = (["https://shop.example.com"], 0, "   ", "reference"),
        ["reference with a card number"] = (["https://shop.example.com"], 0, "order " + Pan, "reference"),
        ["reference with a spaced card number"] = (["https://shop.example.com"], 0, string.Join(' ', Pan.Chunk(4).Select(c => new string(c))), "reference"),
    };

    public static TheoryData<string> CreateCaseNames => new(CreateCases.Keys);

    [Theory]
    [MemberData(nameof(CreateCaseNames))]
    public async Task Create_BadInput_IsInvalidArgumentNamingTheField_AndStoresNothing(string name)
    {
        var (origins, minutes, reference, field) = CreateCases[name];
        var before = await Db.CountAsync(V.ConnectionString, "capture_sessions");

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => V.Sessions.CreateCaptureSessionAsync(
            new CreateCaptureSessionRequest { AllowedOrigins = { origins }, ExpiresInMinutes = minutes, Reference = reference }).ResponseAsync);

        Assert.Contains(field, ex.ViolatedFields());
        Assert.False(CardDataScanner.ContainsPanDigits(ex.Describe(), Pan), "the error repeats the card number: " + ex.Describe());
        Assert.Equal(before, await Db.CountAsync(V.ConnectionString, "capture_sessions"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("cap_short")]
    [InlineData("tok_aaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("CAP_AAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("cap_aaaaaaaaaaaaaaaaaaaaaaaaa1")]
    [InlineData("cap_aaaaaaaaaaaaaaaaaaaaaaaaaa ")]
    public async Task Get_MalformedId_IsInvalidArgument(string id)
    {
        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
            () => V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id }).ResponseAsync);
        Assert.Equal(["session_id"], ex.ViolatedFields());
    }

    [Fact]
    public async Task Get_UnknownId_IsNotFound_AndAudited()
    {
        var id = "cap_" + new string('q', 26);
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id }).ResponseAsync);
        Assert.NotEmpty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.RequestFailed, objectId: "/payoutvault.v1.CaptureService/GetCaptureSession"));
    }
}

/// <summary>Without Vault:Capture configured, the RPCs still validate, then refuse FAILED_PRECONDITION, storing nothing.</summary>
public sealed class CaptureNotConfiguredTests(VaultServerFixture fx) : IClassFixture<VaultServerFixture>
{
    [Fact]
    public async Task Create_WhenCaptureIsOff_IsFailedPrecondition_AndStoresNothing()
    {
        var client = fx.Server.Client<CaptureService.CaptureServiceClient>();
        var ex = await RpcErrors.ExpectAsync(StatusCode.FailedPrecondition, () => client.CreateCaptureSessionAsync(
            new CreateCaptureSessionRequest { AllowedOrigins = { "https://shop.example.com" } }).ResponseAsync);
        Assert.Contains("Vault:Capture", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await Db.CountAsync(fx.Server.ConnectionString, "capture_sessions"));
    }
}

/// <summary>Development switch: http://localhost parents are accepted only with Vault:Capture:AllowLocalhostOrigins.</summary>
public sealed class CaptureLocalhostOriginTests : IAsyncLifetime
{
    private CaptureVault? _vault;

    public async Task InitializeAsync() =>
        _vault = await CaptureVault.StartAsync(new Dictionary<string, string> { ["Vault:Capture:AllowLocalhostOrigins"] = "true" });

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }

    [Fact]
    public async Task HttpLocalhost_IsAccepted_InDevelopment_ButOtherHttpHostsAreNot()
    {
        var created = await _vault!.CreateSessionAsync("http://localhost:3000");
        Assert.Equal(["http://localhost:3000"], created.Session.AllowedOrigins.ToArray());
        await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => _vault.Sessions.CreateCaptureSessionAsync(
            new CreateCaptureSessionRequest { AllowedOrigins = { "http://127.0.0.1:3000" } }).ResponseAsync);
    }
}
