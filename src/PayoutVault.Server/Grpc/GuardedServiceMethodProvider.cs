using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// Binds gRPC services the way the framework's default provider does (through the generated <c>BindService</c>),
/// except that each unary and server-streaming request is parsed by a deserializer that turns bytes which are not
/// a valid message of the request type (a truncated varint, a length past the end, wire type 6 or 7, an
/// unterminated group, field number 0, invalid UTF-8 in a string) into an empty request marked as malformed
/// (<see cref="MalformedRequests"/>) instead of an exception.
/// </summary>
/// <remarks>
/// The framework parses the request before any interceptor runs and answers a parse exception with UNKNOWN
/// ("Exception was thrown by handler"), without an audit record; a null result would read as "no message yet" and
/// end in INTERNAL "Incomplete message". With a marked request the call goes through the
/// interceptors as usual: the caller is authorized first (an unauthorized caller is PERMISSION_DENIED whatever it
/// sent), then <see cref="MalformedRequestInterceptor"/> refuses it as INVALID_ARGUMENT, which the error mapper
/// audits as <c>request.failed</c>. Client- and bidirectional-streaming requests (only gRPC reflection has them)
/// are read inside the handler, where <see cref="ErrorMappingInterceptor"/> sees a parse failure directly.
/// </remarks>
public sealed class GuardedServiceMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bind = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        var bindMethod = bind?.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static).FirstOrDefault(m =>
            m.Name == bind.BindMethodName && m.GetParameters() is { Length: 2 } p && p[0].ParameterType == typeof(ServiceBinderBase));
        // Not a generated service (nothing to bind): the framework's other providers, if any, handle it.
        bindMethod?.Invoke(null, [new Binder(context), null]);
    }

    /// <summary>Receives each method from the generated BindService (with a null handler) and adds it.</summary>
    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method,
            UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Guarded(method), Metadata(method.Name),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method,
            ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Guarded(method), Metadata(method.Name),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest),
                    typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method,
            ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(method, Metadata(method.Name),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                    typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method,
            DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(method, Metadata(method.Name),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                    typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        /// <summary>The same method with a request deserializer that yields null for bytes it cannot parse.</summary>
        private static Method<TRequest, TResponse> Guarded<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class where TResponse : class
        {
            var parse = method.RequestMarshaller.ContextualDeserializer;
            var marshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, c =>
            {
                try
                {
                    return parse(c);
                }
                catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException or ArgumentException
                                              or InvalidOperationException)
                {
                    // InvalidProtocolBufferException for broken encodings; DecoderFallbackException (an
                    // ArgumentException) for invalid UTF-8 in a string field. Never logged: the bytes are the caller's.
                    return MalformedRequests.Mark<TRequest>();
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }

        /// <summary>An open-instance delegate to the service's override of the RPC.</summary>
        private static TDelegate Invoker<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            var target = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}.");
            return (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), target);
        }

        /// <summary>Endpoint metadata as the framework gathers it: the service's attributes, then the method's.</summary>
        private static List<object> Metadata(string name)
        {
            var metadata = new List<object>(typeof(TService).GetCustomAttributes(inherit: true));
            if (typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(m => m.Name == name) is { } m)
                metadata.AddRange(m.GetCustomAttributes(inherit: true));
            return metadata;
        }
    }
}
