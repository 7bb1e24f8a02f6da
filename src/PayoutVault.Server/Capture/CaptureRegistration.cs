using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Capture;

namespace PayoutVault.Server.Capture;

/// <summary>Wires hosted card capture: sessions always (the RPCs exist either way), the page only when configured.</summary>
public static class CaptureRegistration
{
    public static IServiceCollection AddVaultCapture(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CaptureOptions>().BindConfiguration(CaptureOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CaptureOptions>, CaptureOptionsValidator>();
        services.AddSingleton<CaptureSessionStore>();
        services.AddSingleton<CaptureSessions>();
        services.AddSingleton<CaptureSubmission>();
        if (configuration.GetSection(CaptureOptions.Section).Get<CaptureOptions>()?.Enabled != true) return services;

        services.AddHostedService<CaptureExpirySweep>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<CaptureOptions>, ILoggerFactory>((o, capture, loggers) =>
        {
            var logger = loggers.CreateLogger("PayoutVault.Capture");
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PerMinute(http => IsCapture(http) ? "address " + (http.Connection.RemoteIpAddress ?? IPAddress.None) : null,
                    capture.Value.PerAddressPerMinute),
                PerMinute(http => IsCapture(http) ? SessionOf(http.Request.Path) : null, capture.Value.PerSessionPerMinute));
            o.OnRejected = (context, _) =>
            {
                CapturePage.ApplyHeaders(context.HttpContext.Response, nonce: null, frameAncestors: null);
                CaptureLog.RateLimited(logger, SessionOf(context.HttpContext.Request.Path) is null ? "per address" : "per address or session");
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }

    private static bool IsCapture(HttpContext http) => CaptureListener.IsCaptureConnection(http);

    /// <summary>"session cap_..." for /capture/cap_.../..., else null (the assets, malformed paths).</summary>
    private static string? SessionOf(PathString path)
    {
        var segments = (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 2 && segments[0] == "capture" && CaptureSessionRecord.IsValidId(segments[1])
            ? "session " + segments[1] : null;
    }

    /// <summary>A fixed one-minute window per key; requests without a key are not limited by this limiter.</summary>
    private static PartitionedRateLimiter<HttpContext> PerMinute(Func<HttpContext, string?> key, int permits) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http => key(http) is { } k
            ? RateLimitPartition.GetFixedWindowLimiter(k, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
            })
            : RateLimitPartition.GetNoLimiter("unlimited"));
}

/// <summary>Start-up validation of Vault:Capture, each problem named with its key.</summary>
public sealed class CaptureOptionsValidator : IValidateOptions<CaptureOptions>
{
    public ValidateOptionsResult Validate(string? name, CaptureOptions options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
