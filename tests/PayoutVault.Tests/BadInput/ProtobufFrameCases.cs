using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using PayoutVault.Tests.Security;
using static PayoutVault.Tests.BadInput.BadInputFixture;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// Request bodies that are not valid protobuf, sent as raw gRPC messages to every RPC of the contract by a caller
/// holding its permission: a truncated varint (<c>08 ff</c>), a length past the end, wire types 6 and 7, an
/// unterminated group, an end-group without a start, field number 0, a varint longer than ten bytes, a negative
/// length, a truncated or malformed sub-message, and invalid UTF-8 in a string field. Each is INVALID_ARGUMENT with a
/// <c>request.failed</c> audit record, and reaches no handler.
/// </summary>
public static class ProtobufFrameCases
{
    private static readonly IReadOnlyDictionary<string, string> Holder = new Dictionary<string, string>
    {
        ["TokenService"] = CardCollector,
        ["PayoutService"] = PayoutCaller,
        ["KeyService"] = KeyAdmin,
        ["CaptureService"] = CaptureBackend,
    };

    public static IEnumerable<GrpcCase> All()
    {
        foreach (var method in DynamicRpc.ContractMethods.Values)
        {
            var caller = Holder[method.Service.Name];
            foreach (var (name, bytes) in Payloads(method.InputType))
                yield return new GrpcCase("raw protobuf " + method.Name, name, caller,
                    (ch, o) => CallRawAsync(ch, o, method, bytes), StatusCode.InvalidArgument);
        }
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Payloads(MessageDescriptor input)
    {
        yield return ("truncated varint 08 ff", [0x08, 0xFF]);
        yield return ("length past the end", [0x0A, 0x05, 0x41]);
        yield return ("wire type 7", [0x0F, 0x00]);
        yield return ("wire type 6", [0x0E, 0x00]);
        yield return ("unterminated group", [0x0B, 0x08, 0x01]);
        yield return ("end group without start", [0x0C]);
        yield return ("field number 0", [0x00, 0x01]);
        yield return ("varint longer than ten bytes", [0x08, .. Enumerable.Repeat((byte)0xFF, 10), 0x01]);
        yield return ("negative length", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]);
        yield return ("tag only", [0x12]);

        if (input.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == FieldType.Message) is { } sub)
        {
            var tag = Tag(sub.FieldNumber, 2);
            yield return ($"sub-message {sub.Name} truncated", [.. tag, 0x06, 0x08, 0x01]);
            yield return ($"sub-message {sub.Name} holding 08 ff", [.. tag, 0x02, 0x08, 0xFF]);
            yield return ($"sub-message {sub.Name} holding wire type 7", [.. tag, 0x02, 0x0F, 0x00]);
        }

        // Invalid UTF-8 in the first string field, at the top level or one message down (filter.payout_ids).
        if (StringFieldPath(input) is { } path)
        {
            foreach (var (name, bad) in new (string, byte[])[]
                     {
                         ("0xff 0xfe", [0xFF, 0xFE]), ("lone continuation byte", [0x61, 0x80]), ("truncated sequence", [0x61, 0xC3]),
                         ("overlong slash", [0xC0, 0xAF]), ("encoded surrogate", [0xED, 0xA0, 0x80]),
                     })
                yield return ($"invalid UTF-8 ({name}) in {string.Join(".", path.Select(f => f.Name))}", Nest(path, bad));
        }
    }

    /// <summary>The path to the first string field, directly or inside the first message field.</summary>
    private static FieldDescriptor[]? StringFieldPath(MessageDescriptor input)
    {
        if (input.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == FieldType.String) is { } s) return [s];
        foreach (var m in input.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.Message && !f.IsMap))
            if (m.MessageType.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == FieldType.String) is { } inner)
                return [m, inner];
        return null;
    }

    private static byte[] Nest(FieldDescriptor[] path, byte[] value)
    {
        var bytes = value;
        for (var i = path.Length - 1; i >= 0; i--)
            bytes = [.. Tag(path[i].FieldNumber, 2), (byte)bytes.Length, .. bytes];
        return bytes;
    }

    private static byte[] Tag(int field, int wireType) => [(byte)((field << 3) | wireType)];

    /// <summary>Sends the bytes as the request message of <paramref name="method"/>, reading a stream to its end.</summary>
    public static async Task CallRawAsync(GrpcChannel channel, CallOptions options, MethodDescriptor method, byte[] body)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var invoker = channel.CreateCallInvoker();
        if (method.IsClientStreaming)
        {
            using var duplex = invoker.AsyncDuplexStreamingCall(
                new Method<byte[], byte[]>(MethodType.DuplexStreaming, method.Service.FullName, method.Name, bytes, bytes), null, options);
            await duplex.RequestStream.WriteAsync(body);
            await duplex.RequestStream.CompleteAsync();
            while (await duplex.ResponseStream.MoveNext(CancellationToken.None)) { }
            return;
        }
        if (method.IsServerStreaming)
        {
            using var call = invoker.AsyncServerStreamingCall(
                new Method<byte[], byte[]>(MethodType.ServerStreaming, method.Service.FullName, method.Name, bytes, bytes),
                null, options, body);
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
            return;
        }
        await invoker.AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, bytes, bytes),
            null, options, body).ResponseAsync;
    }
}
