using Grpc.Net.Client;

namespace PayoutVault.Cli;

/// <summary>Opens a gRPC channel to the vault from the common command-line options.</summary>
public static class VaultChannel
{
    public static GrpcChannel Open(CliArgs args)
    {
        var url = args.Optional("vault") ?? Environment.GetEnvironmentVariable("PAYOUTVAULT_URL") ?? "http://127.0.0.1:7431";
        return GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }
}
