using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// The hosted card page in a real browser (issue 11 item 3): headless Chromium loads a checkout page from another
/// origin that embeds the page in an iframe, a test card is typed in, and the token arrives by postMessage. The same
/// run shows that the parent cannot read the frame's fields, that the card number is in no request the parent makes
/// and in no console line, that a page of a non-allowed origin cannot frame the form, and that a used session is
/// refused. Screenshots of the filled form and of a validation error are saved (the path is printed).
/// </summary>
public sealed class CaptureBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private CaptureVault _capture = null!;
    private ParentPageServer _parent = null!;

    public async Task InitializeAsync()
    {
        _capture = await CaptureVault.StartAsync();
        _parent = await ParentPageServer.StartAsync(_capture.ServerCertificate);
    }

    public async Task DisposeAsync()
    {
        if (_parent is not null) await _parent.DisposeAsync();
        if (_capture is not null) await _capture.DisposeAsync();
    }

    [Fact]
    public async Task CardTypedInTheEmbeddedPage_ReachesTheParentAsAToken_AndNeverAsACardNumber()
    {
        var pan = TestCards.Visa;
        var created = await _capture.CreateSessionAsync(_parent.AllowedOrigin);
        _parent.AddCheckout("checkout", created.Url, _capture.Origin);
        var screenshots = ScreenshotFolder();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await SystemChromium.LaunchAsync(playwright, _capture.ServerCertificate);
        // Phone width: the form must be usable at 390 CSS pixels.
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();
        var console = new ConcurrentQueue<string>();
        var requests = new ConcurrentQueue<(string Url, string Frame, string Headers, string Body)>();
        page.Console += (_, m) => console.Enqueue(m.Text);
        page.Request += (_, r) => requests.Enqueue((r.Url, r.Frame == page.MainFrame ? "parent" : "frame",
            string.Join('\n', r.Headers.Select(h => h.Key + ": " + h.Value)), r.PostData ?? ""));

        var response = await page.GotoAsync(_parent.AllowedOrigin + "/checkout");
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        var frame = page.FrameLocator("#capture");
        await frame.Locator("#card-number").WaitForAsync(new() { Timeout = 15_000 });

        // A mistyped number: the page says what is wrong, marks the field, and sends nothing.
        var nextYear = (DateTime.UtcNow.Year + 1) % 100;
        await frame.Locator("#card-number").PressSequentiallyAsync(TestCards.LuhnInvalid);
        await frame.Locator("#card-expiry").PressSequentiallyAsync($"12/{nextYear:00}");
        await frame.Locator("#card-name").PressSequentiallyAsync("Test Person");
        await frame.Locator("#card-submit").ClickAsync();
        var error = frame.Locator("#card-number-error");
        await error.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 5_000 });
        Assert.Contains("not valid", await error.TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Equal("true", await frame.Locator("#card-number").GetAttributeAsync("aria-invalid"));
        Assert.Equal("alert", await error.GetAttributeAsync("role"));
        Assert.Contains("card-number-error", await frame.Locator("#card-number").GetAttributeAsync("aria-describedby") ?? "", StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "capture-validation-error.png"), FullPage = true });
        Assert.DoesNotContain(requests, r => r.Url.Contains("/submit", StringComparison.Ordinal));

        // The test card, typed as a person would.
        await frame.Locator("#card-number").FillAsync("");
        await frame.Locator("#card-number").PressSequentiallyAsync(pan);
        await frame.Locator("#card-name").ClickAsync(); // leaving the number field re-checks it
        Assert.Equal("false", await frame.Locator("#card-number").GetAttributeAsync("aria-invalid"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "capture-filled-form.png"), FullPage = true });
        await frame.Locator("#card-submit").ClickAsync();
        await page.WaitForFunctionAsync("() => window.received.length > 0", null, new() { Timeout = 15_000 });

        var received = await page.EvaluateAsync<JsonElement>("() => window.received");
        var message = Assert.Single(received.EnumerateArray());
        Assert.Equal(_capture.Origin, message.GetProperty("origin").GetString());
        var data = message.GetProperty("data");
        Assert.Equal("payoutvault.capture.completed", data.GetProperty("type").GetString());
        var token = data.GetProperty("token").GetString()!;
        Assert.StartsWith("tok_", token, StringComparison.Ordinal);
        Assert.Equal(("424242", "4242", "visa"), (data.GetProperty("bin").GetString(), data.GetProperty("last4").GetString(), data.GetProperty("brand").GetString()));
        Assert.Equal((12, 2000 + nextYear), (data.GetProperty("expiry").GetProperty("month").GetInt32(), data.GetProperty("expiry").GetProperty("year").GetInt32()));
        Assert.Equal("Test Person", data.GetProperty("cardholderName").GetString());
        Assert.False(CardDataScanner.ContainsPanDigits(received.GetRawText(), pan), "the message to the parent holds the card number");

        // The parent cannot reach into the frame: cross-origin access throws.
        var access = await page.EvaluateAsync<string>("""
            () => {
              const frame = document.getElementById('capture');
              try { return 'read ' + frame.contentWindow.document.getElementById('card-number').value; }
              catch (e) { return e.name; }
            }
            """);
        Assert.Equal("SecurityError", access);
        Assert.Null(await page.EvaluateAsync<string?>("() => document.getElementById('capture').contentDocument"));

        // The card number went only to the vault's capture origin, in the frame's own POST.
        var list = requests.ToArray();
        Assert.Contains(list, r => r.Frame == "frame" && r.Url.StartsWith(_capture.Origin + "/capture/", StringComparison.Ordinal) && r.Url.EndsWith("/submit", StringComparison.Ordinal));
        foreach (var r in list.Where(r => r.Frame == "parent" || !r.Url.StartsWith(_capture.Origin + "/", StringComparison.Ordinal)))
            Assert.False(CardDataScanner.ContainsPanDigits(r.Url + "\n" + r.Headers + "\n" + r.Body, pan), $"the card number is in a request to {r.Url}");
        Assert.DoesNotContain(list, r => r.Url.Contains(CaptureVault.SecretOf(created.Url), StringComparison.Ordinal)); // fragment never sent
        foreach (var line in console) Assert.False(CardDataScanner.ContainsPanDigits(line, pan), "the card number is in the console: " + line);
        Assert.Contains(console, l => l.Contains("parent received", StringComparison.Ordinal));
        Assert.False(CardDataScanner.ContainsPanDigits(_capture.Vault.Logs.AllText(includeTraceIds: false), pan), "the card number is in the vault's log");

        // The backend learns the same result over gRPC.
        var session = (await _capture.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = created.Session.SessionId })).Session;
        Assert.Equal(CaptureSessionState.Completed, session.State);
        Assert.Equal(token, session.Card.Token);

        // Used: the same URL shows why instead of a form, and a direct submission is refused.
        await page.ReloadAsync();
        await frame.Locator("#capture-closed").WaitForAsync(new() { Timeout = 15_000 });
        Assert.Contains("already", await frame.Locator("#capture-closed").TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Equal(0, await frame.Locator("#card-number").CountAsync());
        using (var again = await _capture.SubmitAsync(created.Session.SessionId, CaptureVault.SecretOf(created.Url), TestCards.Mastercard, 12, 2000 + nextYear))
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);

        output.WriteLine("capture screenshots: " + screenshots);
        Console.WriteLine("capture screenshots: " + screenshots);
    }

    [Fact]
    public async Task APageFromAnOriginTheSessionDoesNotAllow_CannotFrameTheForm()
    {
        var created = await _capture.CreateSessionAsync(_parent.AllowedOrigin);
        _parent.AddCheckout("foreign", created.Url, _capture.Origin);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await SystemChromium.LaunchAsync(playwright, _capture.ServerCertificate);
        var page = await browser.NewPageAsync();
        var console = new ConcurrentQueue<string>();
        page.Console += (_, m) => console.Enqueue(m.Text);
        var frameResponses = new ConcurrentQueue<(string Url, int Status, string? Policy)>();
        page.Response += (_, r) => frameResponses.Enqueue((r.Url, r.Status, r.Headers.GetValueOrDefault("content-security-policy")));

        // Same server, same page, but reached as https://127.0.0.1:port: another origin than the allowed https://localhost:port.
        await page.GotoAsync(_parent.ForeignOrigin + "/foreign");
        await page.WaitForLoadStateAsync(LoadState.Load);
        await Task.Delay(500);

        // The vault answered, naming only the allowed origin; the browser refused to render the answer in the frame.
        var answer = Assert.Single(frameResponses, r => r.Url.StartsWith(_capture.Origin + "/capture/", StringComparison.Ordinal));
        Assert.Contains("frame-ancestors " + _parent.AllowedOrigin + ";", answer.Policy ?? "", StringComparison.Ordinal);
        foreach (var frame in page.Frames.Where(f => f != page.MainFrame))
        {
            Assert.False(frame.Url.StartsWith(_capture.Origin, StringComparison.Ordinal), $"the form rendered in a foreign frame: {frame.Url}");
            Assert.Null(await frame.QuerySelectorAsync("#card-number"));
        }
        output.WriteLine("console: " + string.Join(" | ", console));
        var session = (await _capture.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = created.Session.SessionId })).Session;
        Assert.Equal(CaptureSessionState.Open, session.State);
    }

    /// <summary>$PAYOUTVAULT_TEST_RESULTS/capture-screenshots (set by .ci/test), else beside the test assembly.</summary>
    private static string ScreenshotFolder()
    {
        var root = Environment.GetEnvironmentVariable("PAYOUTVAULT_TEST_RESULTS");
        var folder = Path.Combine(string.IsNullOrWhiteSpace(root) ? AppContext.BaseDirectory : root, "capture-screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
