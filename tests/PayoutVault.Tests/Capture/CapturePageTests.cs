using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// The capture listener over real HTTPS: the page's headers and markup, the submit endpoint's single use, its
/// refusals (each audited, nothing stored), expiry, and its separation from the gRPC and webhook listeners.
/// </summary>
public sealed partial class CapturePageTests(CaptureVaultFixture fx) : IClassFixture<CaptureVaultFixture>
{
    private CaptureVault V => fx.Vault;
    private static readonly int Year = DateTime.UtcNow.Year + 2;
    private const string Parent = "https://shop.example.com";

    [GeneratedRegex("nonce=\"([^\"]+)\"")]
    private static partial Regex NonceAttribute();

    [Fact]
    public async Task Page_OfAnOpenSession_HasTheStrictHeaders_AndAnAccessibleFormWithNoThirdPartyResource()
    {
        var created = await V.CreateSessionAsync(Parent, "https://admin.example.com:8443");
        using var first = await V.Http.GetAsync($"/capture/{created.Session.SessionId}");
        using var second = await V.Http.GetAsync($"/capture/{created.Session.SessionId}");
        var html = await first.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var csp = Header(first, "Content-Security-Policy");
        var nonce = NonceAttribute().Match(html).Groups[1].Value;
        Assert.True(nonce.Length >= 16, html);
        Assert.Equal($"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            + $"form-action 'self'; frame-ancestors {Parent} https://admin.example.com:8443; base-uri 'none'", csp);
        Assert.NotEqual(csp, Header(second, "Content-Security-Policy")); // a fresh nonce per response
        Assert.Equal("no-referrer", Header(first, "Referrer-Policy"));
        Assert.Equal("no-store", Header(first, "Cache-Control"));
        Assert.StartsWith("max-age=", Header(first, "Strict-Transport-Security"), StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(first, "X-Content-Type-Options"));
        foreach (var expected in new[]
        {
            "<label for=\"card-number\">", "autocomplete=\"cc-number\"", "inputmode=\"numeric\"", "<label for=\"card-expiry\">",
            "autocomplete=\"cc-exp\"", "<label for=\"card-name\">", "autocomplete=\"cc-name\"", "aria-describedby=\"card-number-hint card-number-error\"",
            "role=\"alert\"", "name=\"viewport\"",
        })
            Assert.Contains(expected, html, StringComparison.Ordinal);
        // Everything the page loads comes from the vault itself, and the card inputs have no name to submit without the script.
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html.Replace($"data-origins=\"{Parent} https://admin.example.com:8443\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotMatch("<input[^>]*\\sname=", html);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);

        using var js = await V.Http.GetAsync("/capture/assets/capture.js");
        using var css = await V.Http.GetAsync("/capture/assets/capture.css");
        Assert.Equal(("text/javascript", "text/css"), (js.Content.Headers.ContentType?.MediaType, css.Content.Headers.ContentType?.MediaType));
        Assert.All(new[] { js, css }, r => Assert.Equal(("nosniff", "no-store"), (Header(r, "X-Content-Type-Options"), Header(r, "Cache-Control"))));
        var script = await js.Content.ReadAsStringAsync();
        Assert.Contains("postMessage(message, origin)", script, StringComparison.Ordinal);
        Assert.DoesNotContain("'*'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("\"*\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_TokenizesThroughTheTokenizePath_Once_AndTheSessionIsThenRefused()
    {
        var created = await V.CreateSessionAsync(Parent);
        var id = created.Session.SessionId;
        var secret = CaptureVault.SecretOf(created.Url);

        using var ok = await V.SubmitAsync(id, secret, TestCards.Mastercard, 7, Year, "  Ada Lovelace ");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        var token = body.GetProperty("token").GetString()!;
        Assert.Equal(("555555", "4444", "mastercard", "Ada Lovelace"), (body.GetProperty("bin").GetString(), body.GetProperty("last4").GetString(),
            body.GetProperty("brand").GetString(), body.GetProperty("cardholder_name").GetString()));

        var session = (await V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id })).Session;
        Assert.Equal(CaptureSessionState.Completed, session.State);
        Assert.Equal((token, "4444", 7, Year), (session.Card.Token, session.Card.Last4, session.Card.Expiry.Month, session.Card.Expiry.Year));
        Assert.Null(session.Card.CreatedAt);
        Assert.NotNull(session.CompletedAt);
        // The same domain path as Tokenize: the card row, and its token.tokenize record tied to the session.
        var tokenized = Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.Tokenize, "capture-page", token));
        Assert.Equal(id, tokenized.RequestId);
        var completed = Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureComplete, objectId: id));
        Assert.Contains(token, completed.Detail, StringComparison.Ordinal);

        // Single use: the same URL and secret are refused from now on, and nothing more is stored.
        var cards = await Db.CountAsync(V.ConnectionString, "cards");
        using var again = await V.SubmitAsync(id, secret, TestCards.Mastercard, 7, Year);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        using var page = await V.Http.GetAsync($"/capture/{id}");
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Contains("already been used", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(cards, await Db.CountAsync(V.ConnectionString, "cards"));
        Assert.Equal(2, (await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureRefused, objectId: id)).Count(r => r.Outcome == "used"));

        // Another session with the same card gets the same token (dedupe), and no history.
        var other = await V.CreateSessionAsync(Parent);
        using var second = await V.SubmitAsync(other.Session.SessionId, CaptureVault.SecretOf(other.Url), TestCards.Mastercard, 8, Year);
        Assert.Equal(token, JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString());
        Assert.Equal(cards, await Db.CountAsync(V.ConnectionString, "cards"));
        Assert.False(CardDataScanner.ContainsPanDigits(V.Vault.Logs.AllText(includeTraceIds: false), TestCards.Mastercard), "the card number is in the log");
    }

    [Fact]
    public async Task WrongSecret_IsRefused_AndLocksTheSessionAfterFiveAttempts()
    {
        var created = await V.CreateSessionAsync(Parent);
        var id = created.Session.SessionId;
        var wrong = new string('A', 43);
        var cards = await Db.CountAsync(V.ConnectionString, "cards");

        for (var i = 0; i < 4; i++)
        {
            using var refused = await V.SubmitAsync(id, wrong, TestCards.Amex, 1, Year);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var fifth = await V.SubmitAsync(id, wrong, TestCards.Amex, 1, Year))
            Assert.Equal(HttpStatusCode.Gone, fifth.StatusCode);
        using (var right = await V.SubmitAsync(id, CaptureVault.SecretOf(created.Url), TestCards.Amex, 1, Year))
            Assert.Equal(HttpStatusCode.Gone, right.StatusCode);

        Assert.Equal(CaptureSessionState.Locked, (await V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id })).Session.State);
        Assert.Equal(cards, await Db.CountAsync(V.ConnectionString, "cards"));
        var refusals = await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureRefused, objectId: id);
        Assert.Equal(5, refusals.Count(r => r.Outcome == "bad_secret"));
        Assert.Contains(refusals, r => r.Detail?.Contains("session locked", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("null")]
    [InlineData("")]
    public async Task CrossOriginSubmission_IsRefused_AndChangesNothing(string origin)
    {
        var created = await V.CreateSessionAsync(Parent);
        var id = created.Session.SessionId;
        var cards = await Db.CountAsync(V.ConnectionString, "cards");

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/capture/{id}/submit")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { secret = CaptureVault.SecretOf(created.Url), number = TestCards.Discover,
                exp_month = 1, exp_year = Year, name = "X" }), new MediaTypeHeaderValue("application/json")),
        };
        if (origin.Length > 0) request.Headers.Add("Origin", origin);
        using var response = await V.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(cards, await Db.CountAsync(V.ConnectionString, "cards"));
        Assert.Equal(CaptureSessionState.Open, (await V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id })).Session.State);
        Assert.Contains(await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureRefused, objectId: id), r => r.Outcome == "origin");
    }

    public static TheoryData<string, string, int, int, string, string> InvalidForms() => new()
    {
        { "Luhn check fails", TestCards.LuhnInvalid, 1, Year, "Test Person", "number" },
        { "letters", "4242abcd42424242", 1, Year, "Test Person", "number" },
        { "11 digits", TestCards.Visa[..11], 1, Year, "Test Person", "number" },
        { "month 13", TestCards.Visa, 13, Year, "Test Person", "expiry" },
        { "expired", TestCards.Visa, 1, DateTime.UtcNow.Year - 1, "Test Person", "expiry" },
        { "no name", TestCards.Visa, 1, Year, "   ", "name" },
        { "card number as name", TestCards.Visa, 1, Year, "4242 4242 4242 4242", "name" },
        { "control character in name", TestCards.Visa, 1, Year, "Ada\u0000Lovelace", "name" },
    };

    [Theory]
    [MemberData(nameof(InvalidForms))]
    public async Task InvalidForm_Is422NamingThePageField_WithoutEchoingIt_AndStoresNothing(string name, string number, int month,
        int year, string holder, string field)
    {
        _ = name;
        var created = await V.CreateSessionAsync(Parent);
        var cards = await Db.CountAsync(V.ConnectionString, "cards");

        using var response = await V.SubmitAsync(created.Session.SessionId, CaptureVault.SecretOf(created.Url), number, month, year, holder);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var fields = JsonDocument.Parse(text).RootElement.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()).ToArray();
        Assert.Contains(field, fields);
        Assert.False(CardDataScanner.ContainsPanDigits(text, TestCards.Visa), "the answer repeats the card number: " + text);
        Assert.Equal(cards, await Db.CountAsync(V.ConnectionString, "cards"));
        Assert.Equal(CaptureSessionState.Open, (await V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = created.Session.SessionId })).Session.State);
    }

    [Fact]
    public async Task MalformedBodies_AreRefused_WithoutStoringAnything()
    {
        var created = await V.CreateSessionAsync(Parent);
        var secret = CaptureVault.SecretOf(created.Url);
        var cases = new (string Body, string Type, HttpStatusCode Status)[]
        {
            ("secret=" + secret + "&number=" + TestCards.Visa, "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType),
            ("not json", "application/json", HttpStatusCode.BadRequest),
            ($"{{\"secret\":\"{secret}\",\"number\":\"{TestCards.Visa}\",\"cvv\":\"123\"}}", "application/json", HttpStatusCode.BadRequest),
            ($"{{\"secret\":\"{secret}\",\"number\":\"\\u0034242424242424242\"}}", "application/json", HttpStatusCode.BadRequest),
            ($"{{\"secret\":\"{secret}\",\"number\":4242424242424242}}", "application/json", HttpStatusCode.BadRequest),
            ("{\"name\":\"" + new string('x', 3000) + "\"}", "application/json", HttpStatusCode.RequestEntityTooLarge),
        };
        var cards = await Db.CountAsync(V.ConnectionString, "cards");
        foreach (var (body, type, status) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/capture/{created.Session.SessionId}/submit") { Content = new StringContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(type);
            request.Headers.Add("Origin", V.Origin);
            using var response = await V.Http.SendAsync(request);
            Assert.True(response.StatusCode == status, $"{body[..Math.Min(40, body.Length)]}: {response.StatusCode}");
        }
        Assert.Equal(cards, await Db.CountAsync(V.ConnectionString, "cards"));
    }

    [Fact]
    public async Task ExpiredSession_IsRefusedOnThePageAndOnSubmit_AndItsExpiryIsAuditedOnce()
    {
        var created = await V.CreateSessionAsync(Parent);
        var id = created.Session.SessionId;
        await Db.ExecuteAsync(V.ConnectionString,
            "UPDATE capture_sessions SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 minute' WHERE session_id = @id", ("id", id));

        using var page = await V.Http.GetAsync($"/capture/{id}");
        using var submit = await V.SubmitAsync(id, CaptureVault.SecretOf(created.Url), TestCards.Visa, 1, Year);
        var session = (await V.Sessions.GetCaptureSessionAsync(new GetCaptureSessionRequest { SessionId = id })).Session;

        Assert.Equal((HttpStatusCode.Gone, HttpStatusCode.Gone), (page.StatusCode, submit.StatusCode));
        Assert.Contains("expired", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(CaptureSessionState.Expired, session.State);
        Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.CaptureExpired, "vault", id));
    }

    [Fact]
    public async Task UnknownOrMalformedSession_Is404_AndNeverFramable()
    {
        using var unknown = await V.Http.GetAsync("/capture/cap_" + new string('m', 26));
        using var malformed = await V.Http.GetAsync("/capture/" + TestCards.Visa);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknown.StatusCode, malformed.StatusCode));
        Assert.Contains("frame-ancestors 'none'", Header(unknown, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Contains("script-src 'none'", Header(unknown, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCaptureListener_ServesNothingElse_AndTheGrpcListenerNoCapturePage()
    {
        // gRPC and the webhook path on the capture listener: not found, before any handler runs.
        using var grpc = new HttpRequestMessage(HttpMethod.Post, "/payoutvault.v1.TokenService/Tokenize")
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        grpc.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var grpcAnswer = await V.Http.SendAsync(grpc);
        Assert.Equal(HttpStatusCode.NotFound, grpcAnswer.StatusCode);
        Assert.False(grpcAnswer.Headers.Contains("grpc-status") || grpcAnswer.TrailingHeaders.Contains("grpc-status"));
        using var webhook = await V.Http.PostAsync("/webhooks/bank131", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, webhook.StatusCode);

        // The capture page on the gRPC listener (h2c in development mode): not found.
        var created = await V.CreateSessionAsync(Parent);
        using var h2c = new HttpClient();
        using var onGrpc = new HttpRequestMessage(HttpMethod.Get, new Uri(V.Vault.Address, $"/capture/{created.Session.SessionId}"))
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var answer = await h2c.SendAsync(onGrpc);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public void StartupLines_NameTheCaptureListener_AndNotAsTheWebhookListener()
    {
        var logs = V.Vault.Logs.Entries;
        var listening = Assert.Single(logs, e => e.EventId.Id == 2000);
        Assert.Contains(V.Origin, listening.Message, StringComparison.Ordinal);
        var started = Assert.Single(logs, e => e.EventId.Id == 1000);
        Assert.Contains("off", started.Properties.Single(p => p.Key == "WebhookEndpoint").Value, StringComparison.Ordinal);
    }

    private static string Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? string.Join(", ", v)
        : r.Content.Headers.TryGetValues(name, out var c) ? string.Join(", ", c) : "";
}

/// <summary>Rate limits per session and per client address, with small limits so the test stays short.</summary>
public sealed class CaptureRateLimitTests : IAsyncLifetime
{
    private CaptureVault? _vault;

    public async Task InitializeAsync() => _vault = await CaptureVault.StartAsync(new Dictionary<string, string>
    {
        ["Vault:Capture:PerSessionPerMinute"] = "3",
        ["Vault:Capture:PerAddressPerMinute"] = "8",
    });

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }

    [Fact]
    public async Task OneSession_AndThenOneAddress_AreLimited_With429()
    {
        var v = _vault!;
        var a = await v.CreateSessionAsync("https://shop.example.com");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var r = await v.Http.GetAsync($"/capture/{a.Session.SessionId}");
            codes.Add(r.StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);

        // Other sessions from the same address run into the address limit soon after.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            var s = await v.CreateSessionAsync("https://shop.example.com");
            using var r = await v.Http.GetAsync($"/capture/{s.Session.SessionId}");
            statuses.Add(r.StatusCode);
        }
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }
}
