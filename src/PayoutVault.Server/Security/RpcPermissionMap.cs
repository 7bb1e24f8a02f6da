using System.Reflection;
using Grpc.Core;
using PayoutVault.Core.Security;

namespace PayoutVault.Server.Security;

/// <summary>
/// RPC full name ("/payoutvault.v1.TokenService/Tokenize") -> required permission, read from the RequiresPermission
/// attributes on the service implementations in this assembly. The standard health service is public (load balancer
/// probes); everything else absent from the map is denied.
/// </summary>
public sealed class RpcPermissionMap
{
    public const string Public = "";

    private readonly Dictionary<string, string> _map;

    public RpcPermissionMap() => _map = Build();

    public IReadOnlyDictionary<string, string> Entries => _map;

    /// <summary>The permission for a method, Public for public methods, or null when the method declares none.</summary>
    public string? For(string method) => _map.GetValueOrDefault(method);

    /// <summary>Every RPC of every gRPC service implemented in this assembly, with or without a declaration.</summary>
    public static IEnumerable<(string Method, string? Permission)> Declarations()
    {
        foreach (var impl in typeof(RpcPermissionMap).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            var bind = impl.BaseType?.GetCustomAttribute<BindServiceMethodAttribute>();
            if (bind is null) continue;
            var descriptor = (Google.Protobuf.Reflection.ServiceDescriptor)bind.BindType.GetProperty("Descriptor")!.GetValue(null)!;
            foreach (var method in descriptor.Methods)
            {
                var implMethod = impl.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                    .FirstOrDefault(m => m.Name == method.Name && m.DeclaringType == impl);
                yield return ($"/{descriptor.FullName}/{method.Name}",
                    implMethod?.GetCustomAttribute<RequiresPermissionAttribute>()?.Permission);
            }
        }
    }

    private static Dictionary<string, string> Build()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/grpc.health.v1.Health/Check"] = Public,
            ["/grpc.health.v1.Health/Watch"] = Public,
            ["/grpc.health.v1.Health/List"] = Public,
            ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = Permissions.ReflectionRead,
            ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = Permissions.ReflectionRead,
        };
        foreach (var (method, permission) in Declarations())
            if (permission is not null) map[method] = permission;
        return map;
    }
}
