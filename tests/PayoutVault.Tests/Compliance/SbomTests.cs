using System.Diagnostics;
using System.Text.Json;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Compliance;

/// <summary>
/// The component inventory (PCI DSS 6.3.2) is the CycloneDX SBOM that `.ci/sbom` makes: it must list exactly the
/// packages the server ships, which are the "package" libraries of the server's own PayoutVault.Server.deps.json (the
/// file the .NET host loads them by), none missing, and none extra except packages the shared framework supersedes.
/// </summary>
public sealed class SbomTests
{
    [Fact]
    public async Task Sbom_ListsEveryPackageTheServerShips_AndNothingElse()
    {
        using var output = new TempDirectory("pv-sbom-");
        var bomPath = await GenerateAsync(output.Path);

        using var bom = JsonDocument.Parse(await File.ReadAllTextAsync(bomPath));
        Assert.Equal("CycloneDX", bom.RootElement.GetProperty("bomFormat").GetString());
        var listed = bom.RootElement.GetProperty("components").EnumerateArray()
            .Select(c => (Name: c.GetProperty("name").GetString()!, Version: c.GetProperty("version").GetString()!,
                Purl: c.GetProperty("purl").GetString()!))
            .ToList();
        Assert.All(listed, c => Assert.Equal($"pkg:nuget/{c.Name}@{c.Version}", c.Purl));
        var shipped = ShippedPackages();
        Assert.NotEmpty(shipped);

        var inBom = listed.Select(c => $"{c.Name}/{c.Version}").ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = shipped.Where(p => !inBom.Contains(p)).ToList();
        // Listed but not shipped is allowed only for packages the shared framework supersedes (a package asks for
        // Microsoft.Extensions.* 8.0, the ASP.NET Core 10 runtime in the image provides a newer one, so deps.json
        // drops the package): over-listing those keeps the inventory conservative. Anything else is a mistake.
        var extra = inBom.Where(p => !shipped.Contains(p) && !SupersededByTheFramework(p)).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"SBOM out of step with PayoutVault.Server.deps.json. Shipped but not listed: [{string.Join(", ", missing)}]; "
            + $"listed but not shipped: [{string.Join(", ", extra)}]");
    }

    private static bool SupersededByTheFramework(string package) =>
        package.StartsWith("Microsoft.Extensions.", StringComparison.OrdinalIgnoreCase)
        || package.StartsWith("System.", StringComparison.OrdinalIgnoreCase)
        || package.StartsWith("Microsoft.AspNetCore.", StringComparison.OrdinalIgnoreCase);

    /// <summary>name/version of every package library in the server's deps.json, copied beside the tests.</summary>
    private static HashSet<string> ShippedPackages()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PayoutVault.Server.deps.json")));
        return deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => l.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The documented command, on the restore the build already made.</summary>
    private static async Task<string> GenerateAsync(string folder)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(RepoRoot.Path, ".ci", "sbom"), folder, "--disable-package-restore"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot.Path,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot run .ci/sbom");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $".ci/sbom failed ({process.ExitCode}): {await stderr}");
        var path = (await stdout).Trim();
        Assert.True(File.Exists(path), $".ci/sbom printed '{path}', which does not exist");
        return path;
    }
}
