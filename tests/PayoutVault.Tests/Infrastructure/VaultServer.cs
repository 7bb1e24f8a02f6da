using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PayoutVault.Contracts.V1;
using PayoutVault.Server.Hosting;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>How to start a <see cref="VaultServer"/>. Every member is optional.</summary>
public sealed record VaultServerOptions
{
    /// <summary>An existing database to run on (not dropped by the server); null creates a fresh one the server owns.</summary>
    public TestDatabase? Database { get; init; }

    /// <summary>The master key file; null generates a fresh one (mode 0600) in the server's private temp folder.</summary>
    public string? MasterKeyFile { get; init; }

    /// <summary>Extra configuration, passed as command-line arguments (e.g. "Vault:Grpc:EnableReflection" = "true").</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Runs inside VaultHost.Build's configure callback, after the test logging is wired.</summary>
    public Action<WebApplicationBuilder>? Configure { get; init; }

    /// <summary>Where log lines go; null makes a new capture. Pass one to read the logs of a start that fails.</summary>
    public LogCapture? Logs { get; init; }
}

/// <summary>A generated master key file.</summary>
public sealed record KeyFile(string Path, string KeyId, string CheckValue);

/// <summary>
/// The real vault, in-process: VaultHost.Build + VaultHost.StartAsync, Kestrel on 127.0.0.1 with a free port (h2c),
/// a real PostgreSQL database and a real master key file. Every log line at every level is captured in
/// <see cref="Logs"/>, across restarts. Clients talk to it over a real gRPC channel.
/// </summary>
public sealed class VaultServer : IAsyncDisposable
{
    private readonly VaultServerOptions _options;
    private readonly bool _ownsDatabase;
    private readonly TempDirectory _temp = new("pv-vault-");
    private WebApplication? _app;
    private GrpcChannel? _channel;

    private VaultServer(VaultServerOptions options, TestDatabase database, bool ownsDatabase)
    {
        _options = options;
        Database = database;
        _ownsDatabase = ownsDatabase;
        Logs = options.Logs ?? new LogCapture();
        MasterKeyFile = options.MasterKeyFile ?? GenerateKeyFile().Path;
    }

    public TestDatabase Database { get; }

    /// <summary>Connection string of the server's database.</summary>
    public string ConnectionString => Database.ConnectionString;

    /// <summary>The master key file the running (or last started) instance uses.</summary>
    public string MasterKeyFile { get; private set; }

    /// <summary>A private folder deleted with the server, for extra key files and the like.</summary>
    public string TempPath => _temp.Path;

    public LogCapture Logs { get; }

    public WebApplication App => _app ?? throw new InvalidOperationException("The vault is not running.");

    public IServiceProvider Services => App.Services;

    /// <summary>The gRPC base address, e.g. http://127.0.0.1:40123.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1");

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("The vault is not running.");

    public TokenService.TokenServiceClient Tokens => new(Channel);

    public Health.HealthClient Health => new(Channel);

    /// <summary>Any generated gRPC client over this server's channel.</summary>
    public TClient Client<TClient>() where TClient : ClientBase<TClient> =>
        (TClient)Activator.CreateInstance(typeof(TClient), Channel)!;

    public T GetRequiredService<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Starts a vault; on failure everything it created (database, temp folder) is cleaned up and the exception rethrown.</summary>
    public static async Task<VaultServer> StartAsync(VaultServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new VaultServerOptions();
        var owns = options.Database is null;
        var database = options.Database ?? await TestDatabase.CreateAsync(ct);
        var server = new VaultServer(options, database, owns);
        try
        {
            await server.StartAppAsync(ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a vault that must refuse to start, and returns why. Fails the test if it starts.</summary>
    public static async Task<Exception> StartExpectingFailureAsync(VaultServerOptions options)
    {
        VaultServer server;
        try
        {
            server = await StartAsync(options);
        }
        catch (Exception e)
        {
            return e;
        }
        await server.DisposeAsync();
        throw new Xunit.Sdk.XunitException("The vault started, but it was expected to refuse to start.");
    }

    /// <summary>Stops the running instance and starts a new one on the same database, optionally with another key file.</summary>
    public async Task RestartAsync(string? masterKeyFile = null, CancellationToken ct = default)
    {
        await StopAsync();
        if (masterKeyFile is not null) MasterKeyFile = masterKeyFile;
        await StartAppAsync(ct);
    }

    /// <summary>Generates a new master key file (mode 0600) in this server's temp folder.</summary>
    public KeyFile GenerateKeyFile(string? keyId = null) => GenerateKeyFile(_temp, keyId);

    public static KeyFile GenerateKeyFile(TempDirectory folder, string? keyId = null)
    {
        var path = folder.File("master-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        var info = PayoutVault.Core.Keys.MasterKeyFile.Generate(path, keyId);
        return new KeyFile(path, info.KeyId, info.CheckValue);
    }

    public async Task StopAsync()
    {
        _channel?.Dispose();
        _channel = null;
        if (_app is { } app)
        {
            _app = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await app.StopAsync(timeout.Token); }
            catch (OperationCanceledException) { }
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDatabase) await Database.DisposeAsync();
        _temp.Dispose();
    }

    private async Task StartAppAsync(CancellationToken ct)
    {
        var args = new List<string>
        {
            "--Vault:Database:ConnectionString=" + Database.ConnectionString,
            "--Vault:Keys:MasterKeyFile=" + MasterKeyFile,
            "--Vault:Grpc:BindAddress=127.0.0.1",
            "--Vault:Grpc:Port=0",
            "--Vault:Grpc:AllowInsecure=true",
            // The shared test cluster is a single node; tests of the replication check override this via Settings.
            "--Vault:Database:AllowSingleNode=true",
        };
        // Development mode has one caller, "anonymous"; tests about permissions override this list via Settings.
        var permissions = PayoutVault.Core.Security.Permissions.All.Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < permissions.Length; i++)
            args.Add($"--Vault:Access:Callers:anonymous:{i}={permissions[i]}");
        args.AddRange(_options.Settings.Select(kv => $"--{kv.Key}={kv.Value}"));

        var app = VaultHost.Build(args.ToArray(), builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(Logs);
            // A provider-specific rule beats every category rule from appsettings: this provider sees everything.
            builder.Logging.AddFilter<LogCapture>(null, LogLevel.Trace);
            _options.Configure?.Invoke(builder);
        });
        try
        {
            await VaultHost.StartAsync(app, ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        _app = app;
        Address = new Uri(VaultHost.GrpcAddresses(app).First());
        _channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }
}

/// <summary>One vault per test class (xunit class fixture).</summary>
public sealed class VaultServerFixture : IAsyncLifetime
{
    private VaultServer? _server;

    public VaultServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialised.");

    public async Task InitializeAsync() => _server = await VaultServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>Base for tests that each need a vault of their own (fresh database, fresh keys).</summary>
public abstract class VaultTestBase : IAsyncLifetime
{
    private VaultServer? _server;

    protected VaultServer Server => _server ?? throw new InvalidOperationException("The vault is not started.");

    protected virtual VaultServerOptions Options => new();

    public async Task InitializeAsync() => _server = await VaultServer.StartAsync(Options);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
