namespace PayoutVault.Tests.Infrastructure;

/// <summary>Locates the repository root (the folder holding PayoutVault.sln) from the test binaries.</summary>
public static class RepoRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "PayoutVault.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find PayoutVault.sln above " + AppContext.BaseDirectory);
    }
}
