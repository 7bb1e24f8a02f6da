using System.Xml.Linq;
using PayoutVault.Bank131;
using PayoutVault.Core.Tokens;

namespace PayoutVault.UnitTests.Architecture;

/// <summary>
/// Project direction (docs/architecture.md): Server -> Core -> Bank131; vaultctl -> Core. The domain library knows no
/// wire (gRPC, protobuf, the generated contract) and no web host; vaultctl does not link the web app; the bank's wire
/// format knows no ASP.NET Core. Checked on the compiled assemblies and on the sources, so neither a package reference
/// nor a using slips through.
/// </summary>
public sealed class ProjectDirectionTests
{
    private static readonly string[] HostOnlyPrefixes =
        ["Grpc.", "Google.Protobuf", "PayoutVault.Contracts", "PayoutVault.Server", "Microsoft.AspNetCore"];

    [Fact]
    public void Core_assembly_references_no_grpc_protobuf_contract_or_aspnetcore()
    {
        var hostOnly = typeof(TokenVault).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "")
            .Where(HostOnly).ToList();
        Assert.Empty(hostOnly);
    }

    [Fact]
    public void Core_sources_use_no_grpc_protobuf_contract_or_aspnetcore_namespace()
    {
        var offending = SourceTree.CSharpFiles("PayoutVault.Core")
            .SelectMany(f => SourceTree.Usings(f).Where(u => HostOnly(u) || u == "Grpc")
                .Select(u => $"{Path.GetRelativePath(SourceTree.Root, f)}: using {u}"));
        Assert.Empty(offending);
    }

    [Fact]
    public void Core_project_references_only_bank131()
    {
        Assert.Equal(["PayoutVault.Bank131"], ProjectReferences("PayoutVault.Core"));
        Assert.Empty(FrameworkReferences("PayoutVault.Core"));
    }

    [Fact]
    public void Cli_does_not_reference_the_server()
    {
        Assert.DoesNotContain("PayoutVault.Server", ProjectReferences("PayoutVault.Cli"));
        var offending = SourceTree.CSharpFiles("PayoutVault.Cli")
            .SelectMany(f => SourceTree.Usings(f).Where(u => u.StartsWith("PayoutVault.Server", StringComparison.Ordinal))
                .Select(u => $"{Path.GetRelativePath(SourceTree.Root, f)}: using {u}"));
        Assert.Empty(offending);
    }

    [Fact]
    public void Bank131_references_no_aspnetcore()
    {
        var aspNetCore = typeof(Bank131Client).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "")
            .Where(r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)).ToList();
        Assert.Empty(aspNetCore);
        Assert.Empty(FrameworkReferences("PayoutVault.Bank131"));
        Assert.Empty(ProjectReferences("PayoutVault.Bank131"));
        var offending = SourceTree.CSharpFiles("PayoutVault.Bank131")
            .SelectMany(f => SourceTree.Usings(f).Where(u => u.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)));
        Assert.Empty(offending);
    }

    private static bool HostOnly(string name) =>
        HostOnlyPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static XDocument Project(string project) =>
        XDocument.Load(Path.Combine(SourceTree.ProjectDirectory(project), project + ".csproj"));

    private static string[] ProjectReferences(string project) =>
        [.. Project(project).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension((string?)e.Attribute("Include") ?? ""))
            .Order(StringComparer.Ordinal)];

    private static string[] FrameworkReferences(string project) =>
        [.. Project(project).Descendants("FrameworkReference").Select(e => (string?)e.Attribute("Include") ?? "")];
}
