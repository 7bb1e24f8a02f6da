using System.Reflection;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using PayoutVault.Core.Capture;

namespace PayoutVault.Server.Capture;

/// <summary>
/// The hosted page: one HTML document, one script and one stylesheet, all served by the vault (no third-party
/// resource), with a policy that lets the page run only its own nonce-tagged script, talk only to the vault, and be
/// framed only by the session's origins.
/// </summary>
public static class CapturePage
{
    public const string ScriptPath = "/capture/assets/capture.js";
    public const string StylePath = "/capture/assets/capture.css";

    public static readonly byte[] Script = Asset("capture.js");
    public static readonly byte[] Style = Asset("capture.css");

    /// <summary>A fresh 128-bit nonce per response, so an injected script tag cannot guess it.</summary>
    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Security headers for every response of the capture listener. <paramref name="frameAncestors"/> null means
    /// no one may frame the response ('none').
    /// </summary>
    public static void ApplyHeaders(HttpResponse response, string? nonce, IReadOnlyList<string>? frameAncestors)
    {
        var ancestors = frameAncestors is { Count: > 0 } ? string.Join(' ', frameAncestors) : "'none'";
        var script = nonce is null ? "'none'" : $"'nonce-{nonce}'";
        var h = response.Headers;
        h.ContentSecurityPolicy = $"default-src 'none'; script-src {script}; style-src 'self'; connect-src 'self'; "
            + $"img-src 'self'; form-action 'self'; frame-ancestors {ancestors}; base-uri 'none'";
        h["Referrer-Policy"] = "no-referrer";
        h.CacheControl = "no-store";
        h.Pragma = "no-cache";
        h.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        h.XContentTypeOptions = "nosniff";
        h["Cross-Origin-Resource-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
    }

    /// <summary>The document head every page shares: one stylesheet from the vault, no referrer.</summary>
    private static string Head(string title) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{HtmlEncoder.Default.Encode(title)}}</title>
        <link rel="stylesheet" href="{{StylePath}}">
        </head>
        """;

    /// <summary>The card form of an open session.</summary>
    public static string Form(string sessionId, IReadOnlyList<string> origins, string nonce)
    {
        var e = HtmlEncoder.Default;
        return $$"""
            {{Head("Card details")}}
            <body>
            <main id="capture" data-session="{{e.Encode(sessionId)}}" data-origins="{{e.Encode(string.Join(' ', origins))}}">
            <form id="card-form" method="post" action="/capture/{{e.Encode(sessionId)}}/submit" novalidate>
              <div class="field">
                <label for="card-number">Card number</label>
                <input id="card-number" type="text" inputmode="numeric" autocomplete="cc-number" maxlength="23"
                       spellcheck="false" autocorrect="off" autocapitalize="off" required aria-required="true"
                       aria-invalid="false" aria-describedby="card-number-hint card-number-error">
                <p id="card-number-hint" class="hint">12 to 19 digits, as printed on the card</p>
                <p id="card-number-error" class="error" role="alert" hidden></p>
              </div>
              <div class="field">
                <label for="card-expiry">Expiry date</label>
                <input id="card-expiry" type="text" inputmode="numeric" autocomplete="cc-exp" maxlength="7" placeholder="MM/YY"
                       spellcheck="false" required aria-required="true" aria-invalid="false"
                       aria-describedby="card-expiry-hint card-expiry-error">
                <p id="card-expiry-hint" class="hint">Month and year, e.g. 04/29</p>
                <p id="card-expiry-error" class="error" role="alert" hidden></p>
              </div>
              <div class="field">
                <label for="card-name">Name on card</label>
                <input id="card-name" type="text" autocomplete="cc-name" maxlength="128" spellcheck="false" required
                       aria-required="true" aria-invalid="false" aria-describedby="card-name-error">
                <p id="card-name-error" class="error" role="alert" hidden></p>
              </div>
              <p id="form-error" class="error" role="alert" hidden></p>
              <button type="submit" id="card-submit">Save card</button>
            </form>
            <p id="done" class="done" role="status" hidden></p>
            </main>
            <script src="{{ScriptPath}}" nonce="{{nonce}}"></script>
            </body>
            </html>
            """;
    }

    /// <summary>A page that only says why the form is not shown (used, expired, locked, unknown).</summary>
    public static string Message(string title, string text)
    {
        var e = HtmlEncoder.Default;
        return $$"""
            {{Head(title)}}
            <body>
            <main id="capture-closed">
            <h1>{{e.Encode(title)}}</h1>
            <p role="alert">{{e.Encode(text)}}</p>
            </main>
            </body>
            </html>
            """;
    }

    private static byte[] Asset(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Capture.Assets." + name, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
