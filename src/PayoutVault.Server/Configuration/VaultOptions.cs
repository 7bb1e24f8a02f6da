namespace PayoutVault.Server.Configuration;

/// <summary>Configuration section "Vault" (environment variables: Vault__Section__Key).</summary>
public sealed class VaultOptions
{
    public const string Section = "Vault";

    public DatabaseOptions Database { get; set; } = new();
    public KeyOptions Keys { get; set; } = new();
    public GrpcListenerOptions Grpc { get; set; } = new();
}

public sealed class DatabaseOptions
{
    /// <summary>Npgsql connection string of the vault's application role (a member of payoutvault_app).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Optional connection string of the schema owner, used only to apply migrations at start. When set, the
    /// application role needs no DDL rights at all (least privilege, PCI DSS 7.2.5); when empty, ConnectionString
    /// applies them.
    /// </summary>
    public string? MigrationConnectionString { get; set; }

    /// <summary>
    /// Optional connection string for the connections that keep session state: the event feed's LISTEN, the log
    /// sequencer's leader lock and the process lease (session advisory locks). They need a direct connection or a
    /// session-mode pooler; when ConnectionString goes through PgBouncer in transaction mode, point this one past it.
    /// Empty: ConnectionString serves these too.
    /// </summary>
    public string? SessionConnectionString { get; set; }

    /// <summary>
    /// Development switch: start on a database whose commits are not synchronously replicated (a single node, or
    /// synchronous_commit below on). Off by default, because a failover to a replica that lacks a committed payout
    /// row would let a retry pay twice; the start refuses such a database unless this is set (logged as a warning).
    /// </summary>
    public bool AllowSingleNode { get; set; }
}

public sealed class KeyOptions
{
    /// <summary>Path of the master key file made by `vaultctl keygen` (mode 0600).</summary>
    public string? MasterKeyFile { get; set; }

    /// <summary>Development alternative to the file: "key_id:base64key".</summary>
    public string? MasterKey { get; set; }

    /// <summary>
    /// Split knowledge: paths of at least K of the N share files made by `vaultctl keygen --shares N --threshold K`
    /// (each mode 0600, each from its own custodian). The key is recombined in memory only.
    /// </summary>
    public string[]? MasterKeyShareFiles { get; set; }

    /// <summary>
    /// The master key inside a PKCS#11 token (HSM): module, token, user PIN file, key label. The key never enters
    /// the vault's memory; see Keys/Hsm.
    /// </summary>
    public Core.Keys.Hsm.Pkcs11Options Pkcs11 { get; set; } = new();

    /// <summary>How many key sources are set; exactly one must be.</summary>
    internal int SourcesSet =>
        (string.IsNullOrWhiteSpace(MasterKeyFile) ? 0 : 1) + (string.IsNullOrWhiteSpace(MasterKey) ? 0 : 1)
        + (MasterKeyShareFiles is { Length: > 0 } ? 1 : 0) + (Pkcs11.IsConfigured ? 1 : 0);
}

public sealed class GrpcListenerOptions
{
    /// <summary>Address the gRPC listener binds (default 127.0.0.1).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>gRPC port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 7431;

    /// <summary>Development switch: plaintext HTTP/2 (h2c) without TLS or client certificates. Logged loudly.</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>Serve gRPC server reflection. Off unless configured on.</summary>
    public bool EnableReflection { get; set; }

    public GrpcTlsOptions Tls { get; set; } = new();
}

/// <summary>Mutual TLS for the gRPC listener ("Vault:Grpc:Tls"), required unless AllowInsecure is set.</summary>
public sealed class GrpcTlsOptions
{
    /// <summary>The server certificate, PEM.</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The server certificate's private key, PEM.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The CA (PEM, one or more certificates) that client certificates must chain to.</summary>
    public string ClientCaFile { get; set; } = "";

    /// <summary>
    /// Optional: the client CA's certificate revocation list (PEM or DER), re-read when the file changes. When set, a
    /// revoked client certificate fails the handshake, and so does every certificate while the CRL is stale.
    /// </summary>
    public string ClientCrlFile { get; set; } = "";
}
