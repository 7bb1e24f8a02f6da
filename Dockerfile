# The vault image: built from source, run as a non-root user on a chiseled (distroless) ASP.NET runtime with no
# shell and no package manager, gRPC and webhook ports only. Keys, certificates and connection strings come from
# mounted secrets and environment variables, never the image.
#
# Run with a read-only root filesystem, a writable /tmp and no core dumps, e.g.
#   docker run --read-only --tmpfs /tmp --ulimit core=0 --cap-drop ALL --security-opt no-new-privileges ...
# (Kubernetes: readOnlyRootFilesystem, and the node runtime's core limit; docs/deploy/). .ci/test lints this file and
# runs its build stage's restore and publish commands.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY src/ src/
RUN dotnet restore src/PayoutVault.Server/PayoutVault.Server.csproj --locked-mode \
 && dotnet restore src/PayoutVault.Cli/PayoutVault.Cli.csproj --locked-mode
RUN dotnet publish src/PayoutVault.Server/PayoutVault.Server.csproj -c Release --no-restore --nologo -p:UseAppHost=false -o /out/server \
 && dotnet publish src/PayoutVault.Cli/PayoutVault.Cli.csproj -c Release --no-restore --nologo -p:UseAppHost=false -o /out/vaultctl

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /out/server ./
COPY --from=build /out/vaultctl /opt/vaultctl/
# The image's non-root "app" user (UID 1654); the chiseled image has no root shell to fall back to anyway.
USER $APP_UID
# Core dumps could hold decrypted card data: no runtime-made dumps and no diagnostic port (dotnet-dump, dotnet-trace).
# The kernel's core limit is set where the container runs (--ulimit core=0): a setting in the image cannot lower it.
ENV DOTNET_DbgEnableMiniDump=0 \
    DOTNET_EnableDiagnostics=0 \
    Vault__Grpc__BindAddress=0.0.0.0 \
    Vault__Webhooks__BindAddress=0.0.0.0 \
    Vault__Capture__BindAddress=0.0.0.0
# gRPC (mutual TLS), Bank 131 webhooks, and the hosted card-capture page (on only when its certificate is set).
EXPOSE 7431 7432 7443
ENTRYPOINT ["dotnet", "PayoutVault.Server.dll"]
