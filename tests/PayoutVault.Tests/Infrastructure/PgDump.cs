using System.Diagnostics;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>Runs the real pg_dump against a test database and returns the plain-text dump.</summary>
public static class PgDump
{
    public static async Task<string> DumpAsync(TestDatabase database)
    {
        var settings = database.Settings;
        var psi = new ProcessStartInfo(FindPgDump())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     "--host", settings.Host ?? "127.0.0.1", "--port", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--username", settings.Username ?? "postgres", "--no-password", "--format", "plain", "--dbname", database.Name,
                 })
            psi.ArgumentList.Add(arg);
        if (!string.IsNullOrEmpty(settings.Password)) psi.Environment["PGPASSWORD"] = settings.Password;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start pg_dump");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var dump = await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"pg_dump failed ({process.ExitCode}): {await stderr}");
        return dump;
    }

    /// <summary>pg_dump from `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin, else the PATH.</summary>
    public static string FindPgDump()
    {
        try
        {
            var psi = new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p is not null)
            {
                var dir = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                var candidate = Path.Combine(dir, "pg_dump");
                if (p.ExitCode == 0 && File.Exists(candidate)) return candidate;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not installed; fall through.
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var newest = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin", "pg_dump"))
                .Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null) return newest;
        }
        return "pg_dump";
    }
}
