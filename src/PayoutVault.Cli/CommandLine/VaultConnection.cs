using System.CommandLine;
using Grpc.Net.Client;

namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// The options every command that talks to a running vault takes: --vault and, for mutual TLS, --cert/--key (the
/// caller's client certificate) and --ca (the CA that issued the vault's certificate). Each falls back to an
/// environment variable, so a key administrator's shell can set them once. One instance per command.
/// </summary>
public sealed class VaultConnection
{
    private const string DefaultUrl = "http://127.0.0.1:7431";

    public Option<Uri> Vault { get; } = CliOptions.Url("--vault",
        "The vault's gRPC address; https:// for mutual TLS, http:// only for a vault started with the development switch. "
        + "Default: $PAYOUTVAULT_URL, else the one shown.",
        () => new Uri(Environment.GetEnvironmentVariable("PAYOUTVAULT_URL") is { Length: > 0 } url ? url : DefaultUrl));

    public Option<string> Cert { get; } = CliOptions.ExistingFile("--cert",
        "PEM client certificate presented to the vault (with --key). Default: $PAYOUTVAULT_CERT.");

    public Option<string> Key { get; } = CliOptions.ExistingFile("--key",
        "PEM private key of --cert. Default: $PAYOUTVAULT_KEY.");

    public Option<string> Ca { get; } = CliOptions.ExistingFile("--ca",
        "PEM CA that issued the vault's server certificate; only it is trusted, host name checked. Default: $PAYOUTVAULT_CA.");

    public void AddTo(Command command)
    {
        command.Add(Vault);
        command.Add(Cert);
        command.Add(Key);
        command.Add(Ca);
        command.Validators.Add(r =>
        {
            var cert = r.GetResult(Cert) is not null;
            var key = r.GetResult(Key) is not null;
            if (cert != key) r.AddError("--cert and --key go together: the client certificate and its private key");
        });
    }

    public GrpcChannel Open(ParseResult parse)
    {
        var cert = parse.GetValue(Cert) ?? Environment.GetEnvironmentVariable("PAYOUTVAULT_CERT");
        var key = parse.GetValue(Key) ?? Environment.GetEnvironmentVariable("PAYOUTVAULT_KEY");
        var ca = parse.GetValue(Ca) ?? Environment.GetEnvironmentVariable("PAYOUTVAULT_CA");
        foreach (var (name, file) in new[] { ("PAYOUTVAULT_CERT", cert), ("PAYOUTVAULT_KEY", key), ("PAYOUTVAULT_CA", ca) })
            if (file is not null && !File.Exists(file)) throw new CliUsageException($"{name}: {file} does not exist");
        return VaultChannel.Open(parse.GetValue(Vault)!, cert, key, ca);
    }
}
