using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using Google.Protobuf;
using Grpc.Core;
using PayoutVault.Tests.Infrastructure;
using PayoutVault.Tests.Security;
using static PayoutVault.Tests.BadInput.BadInputFixture;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// gRPC requests broken below protobuf, sent as raw HTTP/2 over mutual TLS by a caller holding the permission: the
/// 5-byte message header (compressed flag, 4-byte length) wrong, cut short, or followed by more than one message.
/// What a caller sees is the HTTP status and the grpc-status trailer.
/// </summary>
public static class GrpcFramingCases
{
    /// <summary>One raw exchange: the bytes of the request body and the headers sent with it.</summary>
    public sealed record Frame(string Name, string Method, byte[] Body, string ContentType = "application/grpc",
        string? Encoding = null);

    /// <summary>A frame, who sends it, and the answer: the HTTP status and the grpc-status a client reads.</summary>
    public sealed record FramingCase(string Surface, Frame Frame, string Caller, HttpStatusCode Http, StatusCode Grpc)
    {
        public string? ExpectedAudit => Grpc switch
        {
            StatusCode.InvalidArgument or StatusCode.NotFound => Core.Audit.AuditActions.RequestFailed,
            StatusCode.PermissionDenied => Core.Audit.AuditActions.AuthPermissionDenied,
            _ => null, // UNIMPLEMENTED, or an HTTP refusal: the framework answers before any vault code runs
        };

        public override string ToString() => $"{Surface}: {Frame.Name} (as {Caller})";
    }

    private static byte[] Header(byte flag, uint length) =>
        [flag, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length];

    /// <summary>Every broken framing, sent to every RPC of the contract by a caller holding its permission (and
    /// once by a caller without it, who is refused before anything else).</summary>
    public static IEnumerable<FramingCase> All()
    {
        foreach (var method in DynamicRpc.ContractMethods.Values)
        {
            var path = DynamicRpc.FullName(method);
            var surface = "gRPC framing " + method.Name;
            var holder = method.Service.Name switch { "TokenService" => CardCollector, "PayoutService" => PayoutCaller, "CaptureService" => CaptureBackend, _ => KeyAdmin };
            foreach (var frame in Broken(path))
                yield return new FramingCase(surface, frame, holder, HttpStatusCode.OK, StatusCode.InvalidArgument);
            yield return new FramingCase(surface, new Frame("declared length past the end", path, [.. Header(0, 10), 0x0A]),
                Nobody, HttpStatusCode.OK, StatusCode.PermissionDenied);
            // The gRPC compression spec: an encoding the server does not support is UNIMPLEMENTED, naming those it does.
            yield return new FramingCase(surface, new Frame("compressed in an unknown encoding", path, [.. Header(1, 2), 0x0A, 0x00], Encoding: "snappy"),
                holder, HttpStatusCode.OK, StatusCode.Unimplemented);
        }
        var body = new Contracts.V1.GetTokenRequest { Token = BadValues.UnknownId("tok_") }.ToByteArray();
        yield return new FramingCase("gRPC framing", new Frame("content type application/json", "/payoutvault.v1.TokenService/GetToken",
            [.. Header(0, (uint)body.Length), .. body], "application/json"), CardCollector, HttpStatusCode.UnsupportedMediaType, StatusCode.Internal);
        // Controls: the same message well framed, plain and compressed the two ways the vault decodes, is read and
        // answered (NOT_FOUND for a token nobody has), so the framing check refuses only what is broken.
        var getToken = "/payoutvault.v1.TokenService/GetToken";
        yield return new FramingCase("gRPC framing", new Frame("control: well framed", getToken, [.. Header(0, (uint)body.Length), .. body]),
            CardCollector, HttpStatusCode.OK, StatusCode.NotFound);
        foreach (var (encoding, compressed) in new[] { ("gzip", Compress(body, s => new GZipStream(s, CompressionLevel.Fastest))),
                     ("deflate", Compress(body, s => new ZLibStream(s, CompressionLevel.Fastest))) })
            yield return new FramingCase("gRPC framing", new Frame($"control: well framed, {encoding}-compressed", getToken,
                [.. Header(1, (uint)compressed.Length), .. compressed], Encoding: encoding), CardCollector, HttpStatusCode.OK, StatusCode.NotFound);
        yield return new FramingCase("gRPC framing", new Frame("an RPC the contract does not have", "/payoutvault.v1.TokenService/Detokenize",
            [.. Header(0, (uint)body.Length), .. body]), CardCollector, HttpStatusCode.OK, StatusCode.Unimplemented);
    }

    private static byte[] Compress(byte[] data, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output)) stream.Write(data);
        return output.ToArray();
    }

    private static IEnumerable<Frame> Broken(string method)
    {
        yield return new("declared length past the end", method, [.. Header(0, 10), 0x0A]);
        yield return new("declared length 2^31", method, [.. Header(0, 0x80000000), 0x0A]);
        yield return new("declared length short of the data", method, [.. Header(0, 1), 0x0A, 0x00, 0x41]);
        yield return new("header cut short", method, [0, 0, 0]);
        yield return new("empty body", method, []);
        yield return new("compressed-flag value 2", method, [.. Header(2, 0)]);
        yield return new("compressed without grpc-encoding", method, [.. Header(1, 2), 0x0A, 0x00]);
        yield return new("compressed with encoding identity", method, [.. Header(1, 2), 0x0A, 0x00], Encoding: "identity");
        yield return new("gzip named, data not gzip", method, [.. Header(1, 4), 0x0A, 0x00, 0x12, 0x00], Encoding: "gzip");
        yield return new("deflate named, data not deflate", method, [.. Header(1, 4), 0x0A, 0x00, 0x12, 0x00], Encoding: "deflate");
        yield return new("two messages", method, [.. Header(0, 0), .. Header(0, 0)]);
        yield return new("a byte after the message", method, [.. Header(0, 0), 0x01]);
    }

    /// <summary>Sends the frame as <paramref name="caller"/>; returns (HTTP status, grpc-status or null, every header).</summary>
    public static async Task<(HttpStatusCode Http, StatusCode? Grpc, string Reply)> SendAsync(CertVault vault, string caller, Frame frame)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
                ClientCertificateContext = SslStreamCertificateContext.Create(vault.ClientCertificate(caller), [], offline: true),
            },
        };
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(vault.Address, frame.Method)) 
        {
            Content = new ByteArrayContent(frame.Body), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(frame.ContentType);
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (frame.Encoding is not null) request.Headers.Add("grpc-encoding", frame.Encoding);
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var all = response.Headers.Concat(response.TrailingHeaders).ToList();
        var grpc = all.FirstOrDefault(h => h.Key == "grpc-status").Value?.FirstOrDefault() is { } s ? (StatusCode?)(StatusCode)int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;
        return (response.StatusCode, grpc, string.Join("; ", all.Select(h => h.Key + "=" + string.Join(",", h.Value))));
    }
}
