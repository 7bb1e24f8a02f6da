using PayoutVault.Server.Configuration;
using System.Net;
using Microsoft.Extensions.Options;

namespace PayoutVault.Server.Hosting;

/// <summary>Start-up validation: every problem is named with the configuration key that fixes it.</summary>
public sealed class VaultOptionsValidator : IValidateOptions<VaultOptions>
{
    public ValidateOptionsResult Validate(string? name, VaultOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Database.ConnectionString))
            errors.Add("Vault:Database:ConnectionString is required.");
        else
        {
            try { _ = new Npgsql.NpgsqlConnectionStringBuilder(o.Database.ConnectionString); }
            catch (ArgumentException e) { errors.Add("Vault:Database:ConnectionString is not a valid Npgsql connection string: " + e.Message); }
        }
        if (!string.IsNullOrWhiteSpace(o.Database.SessionConnectionString))
        {
            try { _ = new Npgsql.NpgsqlConnectionStringBuilder(o.Database.SessionConnectionString); }
            catch (ArgumentException e) { errors.Add("Vault:Database:SessionConnectionString is not a valid Npgsql connection string: " + e.Message); }
        }
        if (o.Keys.SourcesSet != 1)
            errors.Add("Set exactly one of Vault:Keys:MasterKeyFile (a file made by `vaultctl keygen`), "
                + "Vault:Keys:MasterKeyShareFiles (K share files made by `vaultctl keygen --shares N --threshold K`) "
                + "Vault:Keys:Pkcs11 (a key in an HSM made by `vaultctl keys hsm-init`) or Vault:Keys:MasterKey.");
        if (o.Keys.Pkcs11.IsConfigured) errors.AddRange(o.Keys.Pkcs11.Problems(Core.Keys.Hsm.Pkcs11MasterKey.ConfigurationSection));
        if (!IPAddress.TryParse(o.Grpc.BindAddress, out _))
            errors.Add("Vault:Grpc:BindAddress must be an IP address.");
        if (o.Grpc.Port is < 0 or > 65535)
            errors.Add("Vault:Grpc:Port must be 0-65535.");
        if (!o.Grpc.AllowInsecure)
        {
            foreach (var (key, path) in new[]
            {
                ("CertificateFile", o.Grpc.Tls.CertificateFile), ("KeyFile", o.Grpc.Tls.KeyFile), ("ClientCaFile", o.Grpc.Tls.ClientCaFile),
            })
            {
                if (string.IsNullOrWhiteSpace(path))
                    errors.Add($"Vault:Grpc:Tls:{key} is required (mutual TLS), unless Vault:Grpc:AllowInsecure=true for development.");
                else if (!File.Exists(path))
                    errors.Add($"Vault:Grpc:Tls:{key} names a file that does not exist.");
            }
            if (!string.IsNullOrWhiteSpace(o.Grpc.Tls.ClientCrlFile) && !File.Exists(o.Grpc.Tls.ClientCrlFile))
                errors.Add("Vault:Grpc:Tls:ClientCrlFile names a file that does not exist.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
