# The vault image: built from source, run as a non-root user, gRPC and webhook ports only.
# Keys, certificates and connection strings come from mounted secrets and environment variables, never the image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props PayoutVault.sln .editorconfig ./
COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/PayoutVault.Server/PayoutVault.Server.csproj -c Release -o /out/server --nologo \
 && dotnet publish src/PayoutVault.Cli/PayoutVault.Cli.csproj -c Release -o /out/vaultctl --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# Core dumps could hold decrypted card data.
RUN echo '* hard core 0' >> /etc/security/limits.conf
WORKDIR /app
COPY --from=build /out/server ./
COPY --from=build /out/vaultctl /opt/vaultctl/
USER app
ENV DOTNET_DbgEnableMiniDump=0 \
    DOTNET_EnableDiagnostics=0 \
    Vault__Grpc__BindAddress=0.0.0.0 \
    Vault__Webhooks__BindAddress=0.0.0.0
EXPOSE 7431 7432
ENTRYPOINT ["dotnet", "PayoutVault.Server.dll"]
