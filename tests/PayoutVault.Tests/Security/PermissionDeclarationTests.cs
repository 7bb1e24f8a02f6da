using PayoutVault.Server.Configuration;
using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Server.Hosting;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Security;

/// <summary>
/// Deny by default, checked by reflection: every RPC of every implemented service declares one known permission,
/// every RPC of the contract is implemented, and the authorizer refuses an RPC that declares none, to everyone,
/// whatever kind of call it is. PCI DSS 7.2.1, 7.3.3.
/// </summary>
public sealed class PermissionDeclarationTests(VaultServerFixture fx) : IClassFixture<VaultServerFixture>
{
    [Fact]
    public void EveryDeclaredRpc_NamesAKnownPermission()
    {
        var declarations = RpcPermissionMap.Declarations().ToArray();

        Assert.NotEmpty(declarations);
        Assert.All(declarations, d =>
        {
            Assert.True(d.Permission is not null, $"{d.Method} has no [RequiresPermission]: it is denied to everyone");
            Assert.True(Permissions.All.Contains(d.Permission!), $"{d.Method} requires unknown permission '{d.Permission}'");
        });
        Assert.Equal(declarations.Length, declarations.Select(d => d.Method).Distinct().Count());
    }

    [Fact]
    public void EveryRpcOfTheContract_IsImplementedAndDeclared()
    {
        var declared = RpcPermissionMap.Declarations().ToDictionary(d => d.Method, d => d.Permission);
        foreach (var method in DynamicRpc.ContractMethods.Keys)
            Assert.True(declared.ContainsKey(method), $"{method} is in the contract but no implementation declares it");
        // The two payout streams are part of it.
        Assert.Equal(Permissions.PayoutsWatch, declared["/payoutvault.v1.PayoutService/WatchPayouts"]);
        Assert.Equal(Permissions.PayoutsWatch, declared["/payoutvault.v1.PayoutService/WatchPayout"]);
        Assert.Equal(Permissions.PayoutsCreate, declared["/payoutvault.v1.PayoutService/CreatePayout"]);
        Assert.Equal(Permissions.TokensWrite, declared["/payoutvault.v1.TokenService/Tokenize"]);
    }

    [Fact]
    public void EveryPermission_IsUsedByAtLeastOneRpc_OrWidensOneThatIs()
    {
        var map = new RpcPermissionMap();
        var used = map.Entries.Values.ToHashSet(StringComparer.Ordinal);
        Assert.All(Permissions.All.Where(p => !Permissions.Widening.ContainsKey(p)).Except(Permissions.Refinements),
            p => Assert.Contains(p, used));
        Assert.All(Permissions.Widening, w =>
        {
            Assert.Contains(w.Key, Permissions.All);
            Assert.Contains(w.Value, used);
            // A widening permission never opens an RPC by itself.
            Assert.DoesNotContain(w.Key, used);
        });
        Assert.Equal(Permissions.PayoutsRead, Permissions.Widening[Permissions.PayoutsReadAll]);
        Assert.Equal(Permissions.PayoutsWatch, Permissions.Widening[Permissions.PayoutsWatchAll]);
        // A refinement (e.g. tokens.outcome) changes what an RPC returns, never whether it may be called.
        Assert.All(Permissions.Refinements, p => Assert.DoesNotContain(p, used));
    }

    [Fact]
    public void PermissionMap_UnknownMethodsAreNull_HealthIsPublic_ReflectionNeedsItsPermission()
    {
        var map = new RpcPermissionMap();

        Assert.Null(map.For("/payoutvault.v1.TokenService/Detokenize"));
        Assert.Null(map.For("/payoutvault.v1.TokenService/tokenize")); // exact, case-sensitive
        Assert.Null(map.For(""));
        Assert.Equal(RpcPermissionMap.Public, map.For("/grpc.health.v1.Health/Check"));
        Assert.Equal(Permissions.ReflectionRead, map.For("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
        Assert.Equal(Permissions.ReflectionRead, map.For("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
        Assert.All(map.Entries.Where(e => e.Value == RpcPermissionMap.Public),
            e => Assert.StartsWith("/grpc.health.v1.Health/", e.Key, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryOverriddenServiceMethod_CarriesTheAttribute()
    {
        // Reflection over the implementations themselves: a new override without [RequiresPermission] fails here.
        var missing = new List<string>();
        foreach (var type in typeof(RpcPermissionMap).Assembly.GetTypes())
        {
            if (type.BaseType?.GetCustomAttribute<BindServiceMethodAttribute>() is null) continue;
            foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                if (m.GetBaseDefinition().DeclaringType != type && m.GetCustomAttribute<RequiresPermissionAttribute>() is null)
                    missing.Add($"{type.Name}.{m.Name}");
        }
        Assert.Empty(missing);
    }

    public static TheoryData<string> CallKinds() => new() { "unary", "server-streaming", "client-streaming", "duplex" };

    /// <summary>
    /// The authorizer itself, on an RPC that is absent from the map: refused for a caller holding every permission,
    /// the handler never runs, and the refusal is audited. Checked for all four call kinds.
    /// </summary>
    [Theory]
    [MemberData(nameof(CallKinds))]
    public async Task UndeclaredRpc_IsDenied_EvenToACallerWithEveryPermission_AndAudited(string kind)
    {
        var server = fx.Server;
        var interceptor = new AuthorizationInterceptor(server.GetRequiredService<RpcPermissionMap>(),
            server.GetRequiredService<IOptionsMonitor<AccessOptions>>(), server.GetRequiredService<IOptions<VaultOptions>>(),
            server.GetRequiredService<AuditLog>(), NullLogger<AuthorizationInterceptor>.Instance);
        Assert.True(server.GetRequiredService<IOptionsMonitor<AccessOptions>>().CurrentValue.Callers[CallerIdentity.Anonymous].Length
            == Permissions.All.Count);
        var method = $"/payoutvault.v1.TokenService/Undeclared{kind.Replace("-", "", StringComparison.Ordinal)}";
        var context = new FakeServerCallContext(method, server.Services);
        var ran = false;

        var call = kind switch
        {
            "unary" => interceptor.UnaryServerHandler<Empty, Empty>(new Empty(), context, (_, _) =>
            {
                ran = true;
                return Task.FromResult(new Empty());
            }),
            "server-streaming" => interceptor.ServerStreamingServerHandler<Empty, Empty>(new Empty(), null!, context, (_, _, _) =>
            {
                ran = true;
                return Task.CompletedTask;
            }),
            "client-streaming" => interceptor.ClientStreamingServerHandler<Empty, Empty>(null!, context, (_, _) =>
            {
                ran = true;
                return Task.FromResult(new Empty());
            }),
            _ => interceptor.DuplexStreamingServerHandler<Empty, Empty>(null!, null!, context, (_, _, _) =>
            {
                ran = true;
                return Task.CompletedTask;
            }),
        };
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => call);

        Assert.False(ran, "the handler of an undeclared RPC ran");
        Assert.True(ex is PermissionDeniedException || ex is RpcException { StatusCode: StatusCode.PermissionDenied },
            $"expected a permission refusal, got {ex}");
        var row = Assert.Single(await AuditRows.ForAsync(server.ConnectionString, AuditActions.AuthPermissionDenied, CallerIdentity.Anonymous, method));
        Assert.Equal("rpc declares no permission", row.Detail);
    }

    /// <summary>A ServerCallContext over a plain HttpContext, the way grpc-dotnet's own unit-test support does it.</summary>
    private sealed class FakeServerCallContext : ServerCallContext
    {
        private readonly Dictionary<object, object> _state = new();

        public FakeServerCallContext(string method, IServiceProvider services)
        {
            MethodCore = method;
            var http = new DefaultHttpContext { RequestServices = services };
            _state["__HttpContext"] = http;
        }

        protected override string MethodCore { get; }
        protected override string HostCore => "127.0.0.1";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore { get; } = new(null, new Dictionary<string, List<AuthProperty>>());
        protected override IDictionary<object, object> UserStateCore => _state;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
