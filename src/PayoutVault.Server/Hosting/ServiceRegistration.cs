using PayoutVault.Server.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Sequencing;
using PayoutVault.Server.Grpc;
using PayoutVault.Server.Health;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Bank131;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Payouts;
using PayoutVault.Core.Webhooks;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Streaming;
using PayoutVault.Core.Tokens;
using PayoutVault.Server.Webhooks;
using PayoutVault.Core.Rotation;
using PayoutVault.Core.Retention;
using PayoutVault.Server.Telemetry;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Server.Hosting;

/// <summary>Each concern wires itself here, so Program.cs and VaultHost stay short.</summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddVaultStorage(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VaultOptions>>().Value;
            var builder = new NpgsqlDataSourceBuilder(options.Database.ConnectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= "payoutvault";
            // Names the pool in Npgsql's metrics (otherwise the connection string, host and user included).
            builder.Name = "payoutvault";
            return builder.WithVaultTracing().Build();
        });
        services.AddSingleton(sp => SessionDataSource.Create(
            sp.GetRequiredService<IOptions<VaultOptions>>().Value.Database.SessionConnectionString,
            sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp =>
        {
            var db = sp.GetRequiredService<IOptions<VaultOptions>>().Value.Database;
            return new Migrator(string.IsNullOrWhiteSpace(db.MigrationConnectionString) ? db.ConnectionString : db.MigrationConnectionString);
        });
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IServiceCollection AddVaultKeys(this IServiceCollection services)
    {
        services.AddSingleton<IMasterKey>(sp =>
        {
            var keys = sp.GetRequiredService<IOptions<VaultOptions>>().Value.Keys;
            if (keys.Pkcs11.IsConfigured)
                return Core.Keys.Hsm.Pkcs11MasterKey.Open(keys.Pkcs11, logger: sp.GetRequiredService<ILogger<Core.Keys.Hsm.Pkcs11MasterKey>>());
            if (keys.MasterKeyShareFiles is { Length: > 0 } shares) return MasterKeyShares.Load(shares);
            return string.IsNullOrWhiteSpace(keys.MasterKeyFile)
                ? MasterKeyFile.ParseInline(keys.MasterKey!)
                : MasterKeyFile.Load(keys.MasterKeyFile);
        });
        services.AddSingleton<KeyStore>();
        services.AddSingleton<KeyRing>();
        return services;
    }

    public static IServiceCollection AddVaultTokens(this IServiceCollection services)
    {
        services.AddSingleton<DataKeyBudget>();
        services.AddSingleton<CardCrypto>();
        services.AddSingleton<CardStore>();
        services.AddSingleton<TokenizeWriter>();
        services.AddSingleton<TokenVault>();
        services.AddSingleton<TokenDeleter>();
        services.AddSingleton<TokenHistoryVisibility>();
        services.AddOptions<TokenizeBatchOptions>().BindConfiguration(TokenizeBatchOptions.Section)
            .Validate(o => o.MaxItemsPerMessage > 0 && o.MaxItemsPerCall >= o.MaxItemsPerMessage && o.MessagesInFlight > 0,
                "Vault:TokenizeBatch: MaxItemsPerMessage and MessagesInFlight must be positive, MaxItemsPerCall at least MaxItemsPerMessage")
            .ValidateOnStart();
        services.AddSingleton<TokenizeBatches>();
        return services;
    }

    public static IServiceCollection AddVaultPayouts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Bank131Settings>().BindConfiguration(Bank131Settings.Section)
            .Validate(b => !b.Enabled || b.AllowInsecureHttp
                    || (Uri.TryCreate(b.BaseUrl, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps),
                "Vault:Bank131:BaseUrl must be an https:// URL (card numbers travel in the request); "
                + "Vault:Bank131:AllowInsecureHttp=true allows http:// for the local sandbox only.")
            .Validate(b => b.MaxConnections > 0, "Vault:Bank131:MaxConnections must be a positive number of connections.")
            .Validate(b => !b.Enabled || (Uri.TryCreate(b.BaseUrl, UriKind.Absolute, out var uri)
                    && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)),
                "Vault:Bank131:BaseUrl must be an absolute http(s) URL.")
            .Validate(b => !b.Enabled || !string.IsNullOrWhiteSpace(b.ProjectId),
                "Vault:Bank131:ProjectId is required when payouts are configured (sent as X-PARTNER-PROJECT).")
            .Validate(b => !b.Enabled || !string.IsNullOrWhiteSpace(b.PrivateKeyFile),
                "Vault:Bank131:PrivateKeyFile is required when payouts are configured (it signs every request).")
            .Validate(b => b.Timeout > TimeSpan.Zero && b.Timeout <= TimeSpan.FromDays(1),
                "Vault:Bank131:Timeout must be positive (and at most one day).")
            .ValidateOnStart();
        services.AddBank131HttpClient();
        services.AddOptions<PayoutOptions>().BindConfiguration(PayoutOptions.Section);
        services.AddSingleton<Bank131Gateway>();
        // Registered before everything that sends, so it is held before the first claim and released after the last.
        services.AddSingleton<ProcessLease>();
        services.AddHostedService(sp => sp.GetRequiredService<ProcessLease>());
        services.AddSingleton<PayoutStore>();
        services.AddSingleton<PayoutClaims>();
        services.AddSingleton<PayoutSender>();
        services.AddSingleton<PayoutOperations>();
        if (configuration.GetSection(Bank131Settings.Section).Get<Bank131Settings>()?.Enabled == true)
            services.AddHostedService<PayoutReconciler>();
        return services;
    }

    public static IServiceCollection AddVaultStreaming(this IServiceCollection services)
    {
        // A zero page size made a subscription spin against the database; a zero buffer served nobody live.
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section)
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.LiveBufferSize > 0 && o.CatchUpPageSize > 0,
                "Vault:Streaming: PollInterval, LiveBufferSize and CatchUpPageSize must be positive")
            .ValidateOnStart();
        services.AddSingleton<PayoutEventLog>();
        services.AddSingleton<PayoutEventFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<PayoutEventFeed>());
        services.AddSingleton<PayoutSubscription>();
        return services;
    }

    public static IServiceCollection AddVaultWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        services.AddSingleton(sp =>
        {
            var verifier = new Bank131WebhookVerifier(Bank131KeyFiles.LoadVerifier(
                sp.GetRequiredService<IOptions<WebhookOptions>>().Value.BankPublicKeyFile));
            var audit = sp.GetRequiredService<AuditLog>();
            // A bad webhook signature is a security event: recorded before the 401 goes out.
            verifier.Rejected = (http, ct) => audit.AppendAsync(new AuditEntry("bank131", AuditActions.WebhookSignatureInvalid,
                null, "rejected", http.TraceIdentifier, "from " + http.Connection.RemoteIpAddress), ct);
            return verifier;
        });
        services.AddSingleton<WebhookIngestor>();
        return services;
    }

    public static IServiceCollection AddVaultGrpc(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section)
            .Validate(a => a.Callers.Values.SelectMany(p => p).All(Permissions.All.Contains),
                "Vault:Access:Callers names a permission that does not exist; known: " + string.Join(", ", Permissions.All))
            .ValidateOnStart();
        services.AddSingleton<RpcPermissionMap>();
        services.AddSingleton<AuditLog>();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section)
            .Validate(a => a.AnchorFile is not { Length: > 0 } f || Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(f))),
                "Vault:Audit:AnchorFile names a file in a directory that does not exist")
            .ValidateOnStart();
        services.AddSingleton<AuditCheckpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditCheckpointer>());
        services.AddOptions<SequencerOptions>().BindConfiguration(SequencerOptions.Section)
            .Validate(o => o.BatchSize > 0 && o.PollInterval > TimeSpan.Zero && o.LeaderRetryInterval > TimeSpan.Zero,
                "Vault:Sequencer: BatchSize, PollInterval and LeaderRetryInterval must be positive")
            .ValidateOnStart();
        services.AddSingleton<LogSequencer>();
        services.AddHostedService(sp => sp.GetRequiredService<LogSequencer>());
        // Hosted services stop in reverse order: the stop record is written first, the sequencer's last pass seals
        // it, and the checkpointer's final checkpoint then covers it.
        services.AddHostedService<VaultLifecycleAudit>();
        services.AddGrpc(o =>
        {
            // Outermost first: failures (including refusals) are mapped to statuses after authorization ran.
            o.Interceptors.Add<ErrorMappingInterceptor>();
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.EnableDetailedErrors = false;
            o.MaxReceiveMessageSize = 64 * 1024;
        });
        services.AddVaultHealth();
        if (configuration.GetValue<bool>("Vault:Grpc:EnableReflection")) services.AddGrpcReflection();
        // Last, after everything that calls AddGrpc: malformed protobuf becomes INVALID_ARGUMENT, audited.
        services.RemoveAll(typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>));
        services.AddSingleton(typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(GuardedServiceMethodProvider<>));
        return services;
    }

    public static WebApplication MapVaultGrpc(this WebApplication app, IConfiguration configuration)
    {
        // Broken gRPC framing takes the malformed-request path (INVALID_ARGUMENT, audited) instead of INTERNAL.
        app.UseMiddleware<GrpcFramingGuard>();
        app.MapVaultHealth();
        app.MapGrpcService<TokenGrpcService>();
        app.MapGrpcService<PayoutGrpcService>();
        app.MapGrpcService<KeyGrpcService>();
        app.MapGrpcService<CaptureGrpcService>();
        app.MapGrpcHealthChecksService();
        if (configuration.GetValue<bool>("Vault:Grpc:EnableReflection")) app.MapGrpcReflectionService();
        return app;
    }
}
