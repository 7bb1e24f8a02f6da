using Grpc.Core;
using Grpc.Net.Client;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Security;

/// <summary>One mutual-TLS vault shared by <see cref="MalformedProtobufTests"/>.</summary>
public sealed class MalformedProtobufFixture : IAsyncLifetime
{
    private CertVault? _vault;

    public CertVault Vault => _vault ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _vault = await CertVault.StartAsync();

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}

/// <summary>
/// Issue 9, item 5: a well-framed gRPC call whose message is not valid protobuf gets INVALID_ARGUMENT (not UNKNOWN)
/// and a request.failed audit record, changes nothing and is never answered before it is authorized. The bytes are
/// sent raw over the real TLS listener, as a hostile client would.
/// </summary>
public sealed class MalformedProtobufTests(MalformedProtobufFixture fx) : IClassFixture<MalformedProtobufFixture>
{
    private CertVault V => fx.Vault;

    private const string Tokenize = "/payoutvault.v1.TokenService/Tokenize";
    private const string GetToken = "/payoutvault.v1.TokenService/GetToken";
    private const string CreatePayout = "/payoutvault.v1.PayoutService/CreatePayout";
    private const string WatchPayouts = "/payoutvault.v1.PayoutService/WatchPayouts";

    /// <summary>Case -> (RPC, caller allowed to call it, message bytes as hex).</summary>
    private static readonly Dictionary<string, (string Rpc, string Caller, string Hex)> Cases = new()
    {
        ["truncated varint (08 ff)"] = (Tokenize, "card-collector", "08ff"),
        ["length past the end"] = (Tokenize, "card-collector", "0a104141"),
        ["wire type 7"] = (Tokenize, "card-collector", "0f00"),
        ["unterminated group"] = (Tokenize, "card-collector", "0b0801"),
        ["field number 0"] = (Tokenize, "card-collector", "0001"),
        ["truncated sub-message"] = (Tokenize, "card-collector", "1203080110"),
        ["invalid UTF-8 in a string"] = (GetToken, "card-collector", "0a02c328"),
        ["invalid UTF-8 in a map value"] = (CreatePayout, "payout-service", "320a0a016b1205c328c328ff"),
        ["truncated varint, server-streaming"] = (WatchPayouts, "payout-service", "08ff"),
        ["bad length, server-streaming"] = (WatchPayouts, "payout-service", "120541"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task MalformedMessage_IsInvalidArgument_AuditedAsFailed_AndChangesNothing(string name)
    {
        var (rpc, caller, hex) = Cases[name];
        var before = await CountsAsync();
        var auditedBefore = (await AuditRows.ForAsync(V.ConnectionString, AuditActions.RequestFailed, caller, rpc)).Count;

        var (code, detail) = await CallRawAsync(V.Channel(caller), rpc, Convert.FromHexString(hex));

        Assert.True(code == StatusCode.InvalidArgument, $"{name}: {code} {detail}\n" + string.Join("\n", V.Vault.Logs!.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).TakeLast(3).Select(e => e.ToText())));
        var rows = await AuditRows.ForAsync(V.ConnectionString, AuditActions.RequestFailed, caller, rpc);
        Assert.Equal(auditedBefore + 1, rows.Count);
        Assert.Equal(StatusCode.InvalidArgument.ToString(), rows[^1].Outcome);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task MalformedMessage_FromACallerWithoutACertificate_IsUnauthenticated_NotParsed()
    {
        var (code, _) = await CallRawAsync(V.ChannelWith(null), Tokenize, Convert.FromHexString("08ff"));
        Assert.Equal(StatusCode.Unauthenticated, code);
    }

    [Fact]
    public async Task WellFormedMessage_StillWorks_ThroughTheGuardedBinding()
    {
        // The raw path with valid bytes: field 1 (pan) = the test Visa, as the generated client would encode it.
        var pan = System.Text.Encoding.ASCII.GetBytes(TestCards.Visa);
        var message = new byte[] { 0x0a, (byte)pan.Length }.Concat(pan).ToArray();

        var (code, detail) = await CallRawAsync(V.Channel("card-collector"), Tokenize, message);

        Assert.True(code == StatusCode.OK, $"{code} {detail}");
    }

    private async Task<(long Cards, long Payouts)> CountsAsync() =>
        (await Db.CountAsync(V.ConnectionString, "cards"), await Db.CountAsync(V.ConnectionString, "payouts"));

    /// <summary>Sends <paramref name="message"/> as the request, byte for byte, in a proper gRPC frame.</summary>
    private static async Task<(StatusCode Code, string Detail)> CallRawAsync(GrpcChannel channel, string rpc, byte[] message)
    {
        var parts = rpc.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var streaming = rpc == WatchPayouts;
        var raw = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(streaming ? MethodType.ServerStreaming : MethodType.Unary, parts[0], parts[1], raw, raw);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(15));
        try
        {
            if (streaming)
            {
                using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, options, message);
                while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
            }
            else
            {
                await channel.CreateCallInvoker().AsyncUnaryCall(method, null, options, message).ResponseAsync;
            }
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }
}
