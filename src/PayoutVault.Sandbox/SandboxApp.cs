using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary>
/// Builds the Bank 131 stand-in. Program.cs runs it standalone; tests host it in-process on a port of their choice
/// (pass <c>--urls=http://127.0.0.1:0</c> in <paramref name="args"/> or add to <c>app.Urls</c> before starting).
/// </summary>
public static class SandboxApp
{
    /// <summary>Address used when no <c>urls</c> setting (<c>--urls</c>, <c>ASPNETCORE_URLS</c>) is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8131";

    private static readonly JsonSerializerOptions ControlJson = new() { WriteIndented = false };

    /// <summary>
    /// Reads options from configuration section <c>Sandbox</c>, then lets <paramref name="configure"/> override them,
    /// and loads both keys immediately (a missing or bad key fails here, not on the first request).
    /// </summary>
    public static WebApplication Build(string[] args, Action<SandboxOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SandboxApp).Assembly.GetName().Name,
        });

        // The sandbox's own per-request lines say what it decided; the framework's request and HTTP client chatter
        // only costs CPU the vault shares on one machine (benchmarks run both side by side).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        var options = new SandboxOptions();
        builder.Configuration.GetSection(SandboxOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        Validate(options);
        var keys = SandboxKeys.Load(options);

        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Kestrel's cap is a backstop; the handlers enforce the bank's 64 KiB themselves.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);

        builder.Services.AddSingleton(options);
        // Registered through a factory so the container owns it and disposes it on shutdown.
        builder.Services.AddSingleton(_ => keys);
        builder.Services.AddSingleton<SandboxState>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<InitPayoutHandler>();
        builder.Services.AddSingleton<SessionStatusHandler>();

        var app = builder.Build();
        MapBankApi(app);
        MapControl(app);
        return app;
    }

    private static void MapBankApi(WebApplication app)
    {
        app.MapPost(Bank131Client.InitPayoutPath, (HttpContext http, InitPayoutHandler handler) => handler.HandleAsync(http));
        app.MapPost(Bank131Client.SessionStatusPath, (HttpContext http, SessionStatusHandler handler) => handler.HandleAsync(http));
    }

    /// <summary>Test and demo endpoints. Loopback only by default; none of them ever shows a card number.</summary>
    private static void MapControl(WebApplication app)
    {
        // {"<idempotency key>": accepted payouts}: the "at most once" evidence.
        app.MapGet("/sandbox/payouts", (SandboxState state) => Results.Json(state.AcceptedCounts(), ControlJson));

        // Per request: key, signature validity, recipient, amount, currency, metadata, card last 4.
        app.MapGet("/sandbox/received", (SandboxState state) => Results.Json(state.Received(), ControlJson));

        app.MapGet("/sandbox/webhooks", (SandboxState state) => Results.Json(state.Deliveries(), ControlJson));

        app.MapGet("/sandbox/sessions/{sessionId}", (string sessionId, SandboxState state) =>
            state.FindSession(sessionId) is { } session
                ? Results.Bytes(Bank131Json.SessionResponse(session.Snapshot()), "application/json")
                : Results.NotFound());

        app.MapPost("/sandbox/webhooks/resend/{sessionId}", (string sessionId, SandboxState state, WebhookSender sender) =>
        {
            var session = state.FindSession(sessionId);
            if (session is null)
            {
                return Results.NotFound();
            }

            if (!session.IsFinished)
            {
                return Results.Conflict(new { error = "The session has not finished yet." });
            }

            sender.ScheduleResend(session);
            return Results.Accepted();
        });
    }

    private static void Validate(SandboxOptions options)
    {
        if (options.WebhookDelay < TimeSpan.Zero || options.SlowDelay < TimeSpan.Zero || options.WebhookRetryDelay < TimeSpan.Zero)
        {
            throw new InvalidOperationException("Sandbox delays must not be negative.");
        }

        if (!string.IsNullOrWhiteSpace(options.WebhookUrl)
            && !Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException("Sandbox:WebhookUrl must be an absolute URL.");
        }
    }
}
