using System.Globalization;
using System.Text.RegularExpressions;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>`vaultctl retention report --pg ...` as a separate process, with its printed lines readable by label.</summary>
public static class RetentionCli
{
    public sealed record Report(int ExitCode, string Output)
    {
        /// <summary>The number printed after "<paramref name="label"/>:".</summary>
        public long Count(string label)
        {
            var m = Regex.Match(Output, "^" + Regex.Escape(label) + @":\s+(\d+)\s*$", RegexOptions.Multiline);
            Assert.True(m.Success, $"no '{label}' line in: {Output}");
            return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
    }

    public static async Task<Report> ReportAsync(string connectionString, params string[] extra)
    {
        var result = await AuditCli.RunAsync(["retention", "report", "--pg", connectionString, .. extra]);
        return new Report(result.ExitCode, result.Output);
    }
}
