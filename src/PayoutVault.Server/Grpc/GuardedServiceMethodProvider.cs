using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// Binds every gRPC service as Grpc.AspNetCore's own binder does (through the generated BindService method), but
/// with request marshallers guarded by <see cref="MalformedRequests"/>. Registered in place of the default provider.
/// </summary>
internal sealed class GuardedServiceMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } attribute) continue;
            var bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m =>
                m.Name == attribute.BindMethodName && m.GetParameters() is [{ } first, _]
                && first.ParameterType == typeof(ServiceBinderBase));
            bind.Invoke(null, [new Binder(context, bind.GetParameters()[1].ParameterType), null]);
            return;
        }
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type serviceBase) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? _)
        {
            var (handler, metadata) = Find<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Guarded(method, streamed: false), metadata, (service, request, call) =>
            {
                MalformedRequests.ThrowIfMalformed(request);
                return handler(service, request, call);
            });
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? _)
        {
            var (handler, metadata) = Find<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Guarded(method, streamed: false), metadata, (service, request, writer, call) =>
            {
                MalformedRequests.ThrowIfMalformed(request);
                return handler(service, request, writer, call);
            });
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? _)
        {
            var (handler, metadata) = Find<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Guarded(method, streamed: true), metadata, handler);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? _)
        {
            var (handler, metadata) = Find<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Guarded(method, streamed: true), metadata, handler);
        }

        private static Method<TRequest, TResponse> Guarded<TRequest, TResponse>(Method<TRequest, TResponse> method, bool streamed)
            where TRequest : class where TResponse : class =>
            new(method.Type, method.ServiceName, method.Name,
                MalformedRequests.Guard(method.RequestMarshaller, streamed), method.ResponseMarshaller);

        /// <summary>The service's override of the generated base method, as an open-instance delegate, and the
        /// endpoint metadata Grpc.AspNetCore would attach (type attributes, then method attributes, then POST).</summary>
        private (TDelegate Handler, List<object> Metadata) Find<TDelegate>(string name, params Type[] parameters) where TDelegate : Delegate
        {
            var method = Override(name, parameters)
                ?? throw new InvalidOperationException($"Could not find '{name}' on {typeof(TService)}.");
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(method.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), method), metadata);
        }

        private MethodInfo? Override(string name, Type[] parameters)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                var candidate = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, null, parameters, null);
                if (candidate is null) return null;
                if (candidate.IsVirtual && candidate.GetBaseDefinition().DeclaringType == serviceBase) return candidate;
            }
            return null;
        }
    }
}
