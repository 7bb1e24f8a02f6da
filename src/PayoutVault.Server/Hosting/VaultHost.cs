using PayoutVault.Server.Configuration;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Security;
using PayoutVault.Core.Capture;
using PayoutVault.Server.Capture;
using PayoutVault.Server.Security;
using PayoutVault.Core.Telemetry;
using PayoutVault.Server.Telemetry;
using PayoutVault.Core.Payouts;
using PayoutVault.Core.Webhooks;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Rotation;
using PayoutVault.Core.Retention;
using PayoutVault.Server.Webhooks;

namespace PayoutVault.Server.Hosting;

/// <summary>Builds, initialises and runs the vault. Program.cs and the tests share this path.</summary>
public static class VaultHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary: read it from there whatever the working directory (started from
        // the repository root, the default content root missed it and the vault logged every request).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddOptions<VaultOptions>().BindConfiguration(VaultOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<VaultOptions>, VaultOptionsValidator>();
        builder.ConfigureListeners();
        builder.Services.AddVaultStorage();
        builder.Services.AddVaultKeys();
        builder.Services.AddVaultTokens();
        builder.Services.AddVaultKeyRotation();
        builder.Services.AddVaultRetention();
        builder.Services.AddVaultPayouts(builder.Configuration);
        builder.Services.AddVaultStreaming();
        builder.Services.AddVaultCapture(builder.Configuration);
        var payoutsEnabled = builder.Configuration.GetSection(Bank131Settings.Section).Get<Bank131Settings>()?.Enabled == true;
        if (payoutsEnabled) builder.Services.AddVaultWebhooks();
        builder.Services.AddVaultGrpc(builder.Configuration);
        builder.Services.AddVaultTelemetry(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        // Before the gRPC pipeline: the capture listener's gate and rate limits run first.
        if (builder.Configuration.GetSection(CaptureOptions.Section).Get<CaptureOptions>()?.Enabled == true) app.MapVaultCapture();
        app.MapVaultGrpc(builder.Configuration);
        if (payoutsEnabled) app.MapBank131Webhooks();
        return app;
    }

    /// <summary>Migrates the database, checks the master key and loads data keys, then starts listening.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken ct = default)
    {
        var options = app.Services.GetRequiredService<IOptions<VaultOptions>>().Value; // validates
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PayoutVault");
        LoadBankKeys(app.Services);
        // Before anything is written (migrations included): a database that could lose commits is refused outright.
        await CheckReplicationAuditingRefusalAsync(app, options.Database, logger, ct);
        foreach (var applied in await app.Services.GetRequiredService<Migrator>().MigrateAsync(ct))
            VaultLog.MigrationApplied(logger, applied);
        var master = app.Services.GetRequiredService<IMasterKey>();
        await InitializeKeysAuditingRefusalAsync(app, master, ct);
        var ring = app.Services.GetRequiredService<KeyRing>();
        await ring.RefreshAsync(ct);
        // The first block of encryptions under the active data key, so the first Tokenize need not wait for one. A
        // version already at its limit does not stop the start: reads and payouts still work, tokenizing is refused.
        try { await app.Services.GetRequiredService<DataKeyBudget>().EnsureAsync(ring.ActiveVersion(KeyPurpose.Data), 1, ct); }
        catch (FailedPreconditionException) { }
        await app.Services.GetRequiredService<AuditCheckpointer>().RegisterKeyAsync(ct);
        await app.Services.GetRequiredService<AuditLog>().AppendAsync(new AuditEntry("vault",
            AuditActions.VaultStarted, master.Id, "ok", null, $"master key check value {master.CheckValue}"), ct);
        if (options.Grpc.AllowInsecure) VaultLog.InsecureListener(logger);
        await app.StartAsync(ct);
        var addresses = GrpcAddresses(app);
        VaultLog.Started(logger, addresses.FirstOrDefault() ?? "?", WebhookAddress(app) ?? "(off: payouts not configured)",
            master.Id, master.CheckValue);
    }

    /// <summary>
    /// The bank keys, the project id and the bank's webhook key load now, not on first use: a bad one refuses start
    /// (KeyConfigurationException naming the setting) before anything is written.
    /// </summary>
    private static void LoadBankKeys(IServiceProvider services)
    {
        if (!services.GetRequiredService<Bank131Gateway>().Enabled) return;
        services.GetRequiredService<Bank131WebhookVerifier>();
    }

    /// <summary>
    /// Checks the configured master key against the database. A refused key (wrong material, or not the active key)
    /// is audited before start-up fails (PCI DSS 3.7.7: key substitution attempts leave a record), unless the
    /// database itself cannot take the record, in which case the refusal still stands.
    /// </summary>
    private static async Task InitializeKeysAuditingRefusalAsync(WebApplication app, IMasterKey master, CancellationToken ct)
    {
        try
        {
            await app.Services.GetRequiredService<KeyStore>().InitializeAsync(master, ct);
        }
        catch (KeyConfigurationException e)
        {
            try
            {
                await app.Services.GetRequiredService<AuditLog>().AppendAsync(new AuditEntry("vault",
                    AuditActions.KeyMasterRefused, master.Id, "refused", null, e.Message), ct);
            }
            catch (Exception audit) when (audit is Npgsql.NpgsqlException or InvalidOperationException)
            {
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(VaultHost));
                VaultLog.MasterKeyRefusalNotAudited(logger, audit.GetType().Name);
            }
            throw;
        }
    }

    /// <summary>
    /// Refuses to start unless every connection that writes (the main one, and the session one when it is separate)
    /// has its commits synchronously replicated, or Vault:Database:AllowSingleNode is set. A refusal is audited when
    /// the trail is reachable (a database the vault ran on before); on a fresh database it is only in the output.
    /// </summary>
    private static async Task CheckReplicationAuditingRefusalAsync(WebApplication app, DatabaseOptions database, ILogger logger,
        CancellationToken ct)
    {
        var session = app.Services.GetRequiredService<SessionDataSource>();
        var sources = new List<(string Setting, Npgsql.NpgsqlDataSource Source)>
        {
            ("Vault:Database:ConnectionString", app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()),
        };
        if (session.IsSeparate) sources.Add(("Vault:Database:SessionConnectionString", session.Source));
        foreach (var (setting, source) in sources)
        {
            var settings = await SynchronousReplication.ReadAsync(source, ct);
            if (settings.Problem is null)
            {
                VaultLog.ReplicationVerified(logger, setting, settings.ToString());
                continue;
            }
            if (database.AllowSingleNode)
            {
                VaultLog.SingleNodeAllowed(logger, setting, settings.Problem);
                continue;
            }
            var message = SynchronousReplication.RefusalMessage(setting, settings);
            try
            {
                await app.Services.GetRequiredService<AuditLog>().AppendAsync(new AuditEntry("vault",
                    AuditActions.VaultReplicationRefused, null, "refused", null, settings.ToString()), ct);
            }
            catch (Exception audit) when (audit is Npgsql.NpgsqlException or InvalidOperationException)
            {
                VaultLog.ReplicationRefusalNotAudited(logger, audit.GetType().Name);
            }
            throw new ReplicationRefusedException(message);
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
            await StartAsync(app);
        }
        catch (Exception e) when (e is OptionsValidationException or KeyConfigurationException or ReplicationRefusedException)
        {
            await Console.Error.WriteLineAsync("payoutvault: cannot start: " + e.Message);
            return 2;
        }
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The webhook listener's base address (e.g. http://127.0.0.1:7432), or null when payouts are off.
    /// Kestrel reports addresses in listen order: gRPC first, then webhooks, then the capture page.</summary>
    public static string? WebhookAddress(WebApplication app) =>
        app.Services.GetRequiredService<IOptions<Bank131Settings>>().Value.Enabled ? GrpcAddresses(app).Skip(1).FirstOrDefault() : null;

    /// <summary>Every bound address, gRPC first, then the webhook listener when there is one (with the real port when
    /// 0 was configured).</summary>
    public static IReadOnlyList<string> GrpcAddresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    private static void ConfigureListeners(this WebApplicationBuilder builder)
    {
        var vault = builder.Configuration.GetSection(VaultOptions.Section).Get<VaultOptions>() ?? new();
        var grpc = vault.Grpc;
        var bank = builder.Configuration.GetSection(Bank131Settings.Section).Get<Bank131Settings>() ?? new();
        var webhooks = builder.Configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel configures its listeners before the host validates options on start, and a listener cannot be
            // set up from invalid settings (mutual TLS refuses a missing certificate): report every problem now, in
            // the same words and with the same exit code as start-up validation.
            var validation = new VaultOptionsValidator().Validate(null, vault);
            if (validation.Failed)
                throw new OptionsValidationException(Options.DefaultName, typeof(VaultOptions), validation.Failures);
            kestrel.AddServerHeader = false;
            var address = IPAddress.TryParse(grpc.BindAddress, out var ip) ? ip : IPAddress.Loopback;
            kestrel.Listen(address, grpc.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (!grpc.AllowInsecure) listen.UseMutualTls(grpc.Tls);
            });
            // The bank-facing webhook listener is separate and HTTP/1.1 only; it is authenticated by the bank's
            // signature alone, and is opened only when payouts are configured.
            if (bank.Enabled)
                kestrel.Listen(IPAddress.TryParse(webhooks.BindAddress, out var hookIp) ? hookIp : IPAddress.Loopback,
                    webhooks.Port, listen => listen.Protocols = HttpProtocols.Http1);
            // The hosted card-capture page has a listener of its own, opened only when configured.
            CaptureListener.Listen(kestrel, builder.Configuration.GetSection(CaptureOptions.Section).Get<CaptureOptions>() ?? new());
        });
    }
}
