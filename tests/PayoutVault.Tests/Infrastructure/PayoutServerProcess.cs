using System.Diagnostics;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// The vault as a real child process (<c>dotnet PayoutVault.Server.dll</c>), configured by <c>Vault__...</c>
/// environment variables, so a test can kill it outright (no graceful shutdown, no finally blocks) and start it
/// again on the same database. Its console output is kept for diagnostics and leak scans.
/// </summary>
public sealed class PayoutServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private PayoutServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public Uri Address { get; }
    public GrpcChannel Channel { get; }
    public PayoutService.PayoutServiceClient Payouts => new(Channel);
    public TokenService.TokenServiceClient Tokens => new(Channel);

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The server dll next to the test assembly (the project reference copies it with its runtimeconfig).</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "PayoutVault.Server.dll");

    /// <summary>Starts the server with the given "Vault:..." settings and waits (bounded) until it serves health checks.</summary>
    public static async Task<PayoutServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, TimeSpan? startTimeout = null)
    {
        var port = PayoutEnvironment.FreePort();
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [ServerDll])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var all = new Dictionary<string, string>(settings)
        {
            ["Vault:Grpc:BindAddress"] = "127.0.0.1",
            ["Vault:Grpc:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Vault:Grpc:AllowInsecure"] = "true",
        };
        // Development mode has one caller, "anonymous", holding every permission (as VaultServer sets it up).
        var permissions = PayoutVault.Core.Security.Permissions.All.Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < permissions.Length; i++)
            all.TryAdd($"Vault:Access:Callers:anonymous:{i}", permissions[i]);
        // The test clusters are single nodes (a test may still override this).
        all.TryAdd("Vault:Database:AllowSingleNode", "true");
        foreach (var (key, value) in all) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the vault process");
        var server = new PayoutServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + (startTimeout ?? TimeSpan.FromSeconds(60));
        var health = new Health.HealthClient(server.Channel);
        while (true)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"The vault process exited with {process.ExitCode}: {server.Output}");
            }
            try
            {
                // Serving, and from this child: a port picked free can be taken by another server before the child
                // binds it, and then the health check would be answered by that server instead.
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                    && server.Output.Contains($"Now listening on: {server.Address.GetLeftPart(UriPartial.Authority)}", StringComparison.Ordinal)
                    && !process.HasExited)
                    return server;
            }
            catch (Grpc.Core.RpcException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException("The vault process did not become healthy: " + server.Output);
            }
            await Task.Delay(200);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>SIGKILL for the whole process tree: nothing in the vault gets to run.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        try { await KillAsync(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
