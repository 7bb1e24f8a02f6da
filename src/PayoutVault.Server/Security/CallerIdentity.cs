using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace PayoutVault.Server.Security;

/// <summary>Who is calling: the name in the client certificate, resolved once per call by the authorizer.</summary>
public static class CallerIdentity
{
    /// <summary>The caller name when the development switch allows calls without a client certificate.</summary>
    public const string Anonymous = "anonymous";

    internal const string ItemKey = "payoutvault.caller";

    public static string Of(ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(ItemKey, out var name) && name is string s ? s : Anonymous;

    /// <summary>The certificate's first DNS subject alternative name, else its subject common name.</summary>
    public static string? FromCertificate(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
            if (extension is X509SubjectAlternativeNameExtension san)
                foreach (var dns in san.EnumerateDnsNames())
                    return dns;
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrWhiteSpace(cn) ? null : cn;
    }
}
