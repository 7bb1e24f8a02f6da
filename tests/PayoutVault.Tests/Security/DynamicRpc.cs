using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Security;

/// <summary>
/// Calls any RPC of the vault's contract by its full name ("/payoutvault.v1.TokenService/Tokenize") with a message
/// built from its descriptor, so a test can walk every declared RPC without naming each one.
/// </summary>
public static class DynamicRpc
{
    public static readonly IReadOnlyList<FileDescriptor> ContractFiles =
        [TokensReflection.Descriptor, PayoutsReflection.Descriptor, KeysReflection.Descriptor, CaptureReflection.Descriptor];

    /// <summary>Every RPC of every service in the contract, by full name.</summary>
    public static readonly IReadOnlyDictionary<string, MethodDescriptor> ContractMethods =
        ContractFiles.SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .ToDictionary(m => FullName(m), StringComparer.Ordinal);

    /// <summary>The contract plus the standard services the vault may serve (reflection v1 and v1alpha).</summary>
    public static readonly IReadOnlyDictionary<string, MethodDescriptor> KnownMethods =
        ContractFiles.Concat([Grpc.Reflection.V1.ReflectionReflection.Descriptor, Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor])
            .SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .ToDictionary(m => FullName(m), StringComparer.Ordinal);

    public static string FullName(MethodDescriptor m) => $"/{m.Service.FullName}/{m.Name}";

    public static MethodDescriptor Describe(string fullName) =>
        KnownMethods.TryGetValue(fullName, out var m) ? m
            : throw new Xunit.Sdk.XunitException($"{fullName} is declared by the server but is not in the contract descriptors this test walks");

    /// <summary>
    /// The cheapest request for the method: empty, except that a resumable stream gets from_cursor = -1, so an
    /// authorized caller is answered at once (INVALID_ARGUMENT) instead of waiting for live events.
    /// </summary>
    public static IMessage MinimalRequest(MethodDescriptor method)
    {
        var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
        if (method.IsServerStreaming && method.InputType.FindFieldByName("from_cursor") is { FieldType: FieldType.Int64 } cursor)
            cursor.Accessor.SetValue(request, -1L);
        if (method.InputType.FindFieldByName("list_services") is { FieldType: FieldType.String } list)
            list.Accessor.SetValue(request, ""); // reflection: list the services, then the client completes

        return request;
    }

    /// <summary>Calls the method and returns the final status code (OK when it completed normally).</summary>
    public static async Task<(StatusCode Code, string Detail)> CallAsync(CallInvoker invoker, MethodDescriptor method,
        IMessage? request = null, TimeSpan? timeout = null)
    {
        request ??= MinimalRequest(method);
        var grpcMethod = new Method<IMessage, IMessage>(Type(method), method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.InputType.Parser.ParseFrom(b)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.OutputType.Parser.ParseFrom(b)));
        var options = new CallOptions(deadline: DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15)));
        try
        {
            switch (grpcMethod.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(grpcMethod, null, options, request).ResponseAsync;
                    break;
                case MethodType.ServerStreaming:
                {
                    using var call = invoker.AsyncServerStreamingCall(grpcMethod, null, options, request);
                    while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
                    break;
                }
                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(grpcMethod, null, options);
                    await call.RequestStream.WriteAsync(request);
                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                    break;
                }
                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(grpcMethod, null, options);
                    await call.RequestStream.WriteAsync(request);
                    await call.RequestStream.CompleteAsync();
                    while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
                    break;
                }
            }
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static MethodType Type(MethodDescriptor m) => (m.IsClientStreaming, m.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (false, true) => MethodType.ServerStreaming,
        (true, false) => MethodType.ClientStreaming,
        _ => MethodType.DuplexStreaming,
    };
}
