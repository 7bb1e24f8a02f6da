using System.Reflection;
using Microsoft.Extensions.Logging;

namespace PayoutVault.Tests.Telemetry;

/// <summary>
/// Log event ids are what operators alert on and what compliance/ cites: one id means one event, across the vault.
/// </summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void EveryLogEventId_IsDeclaredOnce()
    {
        // The host and the domain library (VaultLog, RotationLog, CaptureLog live there since the split).
        var declared = new[] { typeof(PayoutVault.Server.Hosting.VaultHost).Assembly, typeof(PayoutVault.Core.Logging.VaultLog).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();
        Assert.True(declared.Count > 40, $"only {declared.Count} log events found");
        var duplicates = declared.GroupBy(x => x.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Method))}")
            .ToList();
        Assert.True(duplicates.Count == 0, "event ids declared more than once:\n" + string.Join('\n', duplicates));
    }
}
