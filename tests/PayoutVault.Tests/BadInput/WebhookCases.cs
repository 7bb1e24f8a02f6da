using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Webhooks;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// Bad webhooks, generated: unsigned, badly signed, signed over other bytes, wrong methods, paths and content
/// types, bodies that are not JSON or not UTF-8, NUL, deep nesting, oversized bodies, wrong JSON types, missing
/// parts, and card numbers in every string field of a correctly signed body. The bodies name a bank session and a
/// payout that do not exist, so even an accepted body changes no payout.
/// </summary>
/// <remarks>
/// What the vault does with each (WebhookEndpoint, WebhookShape): a bad or missing signature is 401 and audited as
/// <c>webhook.signature_invalid</c>; a signed body refused afterwards (415, 400) is audited as
/// <c>webhook.rejected</c> with its reason code; an oversized body is 413 before the signature is even checked,
/// unaudited; none of these adds a delivery. A signed body of the right shape is kept (one webhook_deliveries row)
/// with an unknown type stored as "unsupported" and card-like runs in free text masked; the answer is 200.
/// </remarks>
public static class WebhookCases
{
    private const string Surface = "webhook";

    public static IEnumerable<WebhookCase> All(BadInputFixture fx) =>
        Signatures(fx).Select(c => c with { Surface = "webhook signature" })
            .Concat(Transport().Select(c => c with { Surface = "webhook method, path, type, size" }))
            .Concat(NotJson().Select(c => c with { Surface = "webhook not JSON or not UTF-8" }))
            .Concat(WrongShapes().Select(c => c with { Surface = "webhook wrong JSON shape" }))
            .Concat(CardNumbersInFields().Select(c => c with { Surface = "webhook card numbers in fields" }));

    /// <summary>A payment_finished body about a session and payout nobody has, unique per call.</summary>
    public static JsonObject Body() => new()
    {
        ["type"] = "payment_finished",
        ["session"] = new JsonObject
        {
            ["id"] = "ps_" + WebhookTestKit.RandomLetters(12),
            ["status"] = "accepted",
            ["payments"] = new JsonArray(new JsonObject
            {
                ["id"] = "po_" + WebhookTestKit.RandomLetters(12),
                ["status"] = "succeeded",
                ["amount_details"] = new JsonObject { ["amount"] = 10000, ["currency"] = "rub" },
                ["metadata"] = new JsonObject
                {
                    ["payout_id"] = BadValues.UnknownId("pay_"),
                    ["reference"] = new JsonObject { ["delivery"] = WebhookTestKit.RandomLetters(12) },
                },
            }),
        },
    };

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static WebhookCase Signed(string name, byte[] body, HttpStatusCode status, string reason) =>
        new(Surface, name, body, status) { Reason = reason, ExpectedAudit = AuditActions.WebhookRejected };

    private static WebhookCase Kept(string name, byte[] body) =>
        new(Surface, name, body, HttpStatusCode.OK) { NewDeliveries = 1 };

    // --- who signed what --------------------------------------------------------------------------------------------

    private static IEnumerable<WebhookCase> Signatures(BadInputFixture fx)
    {
        WebhookCase Unsigned(string name, byte[] body, string? signature, bool omit = false) =>
            new(Surface, name, body, HttpStatusCode.Unauthorized)
            {
                Signature = signature, OmitSignature = omit, Reason = "bad_signature",
                ExpectedAudit = AuditActions.WebhookSignatureInvalid,
            };

        var withPan = Body();
        withPan["session"]!["id"] = "ps_" + TestCards.Visa;
        foreach (var (name, body) in new (string, byte[])[]
                 {
                     ("genuine body", Bytes(Body())), ("card number in the session id", Bytes(withPan)),
                     ("not JSON", BadValues.Utf8("{{{")), ("empty body", []),
                 })
            yield return Unsigned("no signature header, " + name, body, null, omit: true);

        var genuine = Bytes(Body());
        var goodSignature = fx.Poster.Sign(genuine);
        using var otherKey = RSA.Create(2048);
        var bankKeyPem = File.ReadAllText(fx.Env.Keys.BankPrivateKeyFile);
        using var bankKey = RSA.Create();
        bankKey.ImportFromPem(bankKeyPem);
        var signatures = new (string, string)[]
        {
            ("empty signature", ""),
            ("not base64", "!!not*base64!!"),
            ("random bytes", Convert.ToBase64String(RandomNumberGenerator.GetBytes(256))),
            ("signature over other bytes", fx.Poster.Sign(Bytes(Body()))),
            ("signature over the body plus a line break", fx.Poster.Sign([.. genuine, (byte)'\n'])),
            ("signature truncated", goodSignature[..^8]),
            ("signature twice", goodSignature + goodSignature),
            ("signature with a flipped bit", Convert.ToBase64String(FlipBit(Convert.FromBase64String(goodSignature)))),
            ("signed by another key", Convert.ToBase64String(otherKey.SignData(genuine, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))),
            ("bank key with SHA-1", Convert.ToBase64String(bankKey.SignData(genuine, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1))),
            ("bank key with PSS padding", Convert.ToBase64String(bankKey.SignData(genuine, HashAlgorithmName.SHA256, RSASignaturePadding.Pss))),
            ("hex instead of base64", Convert.ToHexString(Convert.FromBase64String(goodSignature))),
            ("a card number", TestCards.Visa),
        };
        foreach (var (name, signature) in signatures)
            yield return Unsigned(name, genuine, signature);

        // Signed correctly, then changed: one byte of the body, or the card number put in afterwards.
        var tampered = (byte[])genuine.Clone();
        tampered[^3] ^= 0x01;
        yield return Unsigned("body changed after signing", tampered, goodSignature);
        var swapped = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(genuine).Replace("\"accepted\"", "\"" + TestCards.Visa2 + "\"", StringComparison.Ordinal));
        yield return Unsigned("card number swapped in after signing", swapped, goodSignature);
    }

    private static byte[] FlipBit(byte[] bytes)
    {
        bytes[bytes.Length / 2] ^= 0x10;
        return bytes;
    }

    // --- method, path, content type, size ---------------------------------------------------------------------------

    private static IEnumerable<WebhookCase> Transport()
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
            yield return new WebhookCase(Surface, method + " on the webhook path", method == HttpMethod.Get ? [] : Bytes(Body()),
                HttpStatusCode.NotFound) { Method = method };
        foreach (var path in new[] { "/webhooks/other", "/webhooks/bank131/x", "/" })
            yield return new WebhookCase(Surface, "POST to " + path, Bytes(Body()), HttpStatusCode.NotFound) { Path = path };
        // gRPC routes answer on this listener too, but only to refuse: JSON is not gRPC (and HTTP/1.1 is not HTTP/2).
        yield return new WebhookCase(Surface, "POST to a gRPC route", Bytes(Body()), HttpStatusCode.UnsupportedMediaType)
            { Path = "/payoutvault.v1.TokenService/Tokenize" };

        foreach (var contentType in new string?[]
                 {
                     null, "", "text/plain", "application/xml", "text/json", "application/jsonfoo", "application/json-patch+json",
                     "application/json; charset=utf-16", "application/json; charset=latin1", "application/json; boundary=x",
                     "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/grpc",
                 })
            yield return Signed("content type " + (contentType ?? "missing"), Bytes(Body()), HttpStatusCode.UnsupportedMediaType,
                "wrong_content_type") with { ContentType = contentType };

        // Larger than Vault:Webhooks:MaxBodyBytes (64 KiB): refused before the signature is checked, so unaudited.
        var padding = new string('a', 70 * 1024);
        var huge = Body();
        huge["padding"] = padding;
        yield return new WebhookCase(Surface, "signed body over 64 KiB", Bytes(huge), HttpStatusCode.RequestEntityTooLarge) { Reason = "body_too_large" };
        yield return new WebhookCase(Surface, "unsigned body of 1 MiB", new byte[1024 * 1024], HttpStatusCode.RequestEntityTooLarge)
            { Reason = "body_too_large", OmitSignature = true };
    }

    // --- not JSON, not UTF-8 ----------------------------------------------------------------------------------------

    private static IEnumerable<WebhookCase> NotJson()
    {
        var texts = new (string, string)[]
        {
            ("empty", ""), ("blank", "   "), ("open brace", "{"), ("close brace", "}"), ("array", "[]"), ("null", "null"),
            ("number", "42"), ("string", "\"payment_finished\""), ("missing value", "{\"type\":}"),
            ("trailing comma", "{\"type\":\"payment_finished\",}"), ("single quotes", "{'type':'payment_finished'}"),
            ("trailing garbage", "{\"type\":\"payment_finished\"} x"), ("two documents", "{\"type\":\"payment_finished\"}{}"),
            ("comment", "{\"type\":\"payment_finished\"/* c */}"), ("unquoted key", "{type:\"payment_finished\"}"),
            ("no type", "{\"session\":{\"id\":\"ps_abc\"}}"), ("empty type", "{\"type\":\"\"}"), ("null type", "{\"type\":null}"),
            ("numeric type", "{\"type\":1}"), ("array type", "{\"type\":[\"payment_finished\"]}"), ("object type", "{\"type\":{}}"),
            ("raw NUL in a string", "{\"type\":\"payment\0finished\"}"), ("raw line break in a string", "{\"type\":\"payment\nfinished\"}"),
            ("unterminated string", "{\"type\":\"payment_finished"), ("bad escape", "{\"type\":\"\\x41\"}"),
            ("escaped lone surrogate in type", "{\"type\":\"\\ud800\"}"),
            ("deep arrays at the root", "{\"type\":\"payment_finished\",\"x\":" + new string('[', 200) + new string(']', 200) + "}"),
            ("deep objects at the root", "{\"type\":\"payment_finished\",\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 500)) + "1" + new string('}', 500) + "}"),
        };
        foreach (var (name, text) in texts)
            yield return Signed("not JSON: " + name, BadValues.Utf8(text), HttpStatusCode.BadRequest, "malformed_json");

        var body = Bytes(Body());
        var at = Array.IndexOf(body, (byte)'a', Encoding.UTF8.GetString(body).IndexOf("accepted", StringComparison.Ordinal));
        foreach (var (name, bad) in new (string, byte[])[]
                 {
                     ("0xff", [0xFF]), ("lone continuation byte", [0x80]), ("truncated sequence", [0xC3]), ("overlong slash", [0xC0, 0xAF]),
                     ("encoded surrogate", [0xED, 0xA0, 0x80]), ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
                 })
            yield return Signed("invalid UTF-8: " + name, [.. body[..at], .. bad, .. body[at..]], HttpStatusCode.BadRequest, "malformed_json");
        yield return Signed("UTF-16 body", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body)), HttpStatusCode.BadRequest, "malformed_json");
    }

    // --- JSON of the wrong shape -------------------------------------------------------------------------------------

    private static IEnumerable<WebhookCase> WrongShapes()
    {
        const string incomplete = WebhookShape.Reasons.IncompletePaymentFinished;
        var missing = new (string, Action<JsonObject>)[]
        {
            ("no session", b => b.Remove("session")),
            ("session is a string", b => b["session"] = "ps_abc"),
            ("session is an array", b => b["session"] = new JsonArray()),
            ("session is null", b => b["session"] = null),
            ("empty session", b => b["session"] = new JsonObject()),
            ("session without id", b => Session(b).Remove("id")),
            ("session without payments", b => Session(b).Remove("payments")),
            ("payments empty", b => Session(b)["payments"] = new JsonArray()),
            ("payments an object", b => Session(b)["payments"] = new JsonObject { ["status"] = "succeeded" }),
            ("payment without status", b => Payment(b).Remove("status")),
            ("payment status null", b => Payment(b)["status"] = null),
            ("payment status a boolean", b => Payment(b)["status"] = true),
            ("payment a string", b => Session(b)["payments"] = new JsonArray("succeeded")),
            ("session id an array", b => Session(b)["id"] = new JsonArray("ps_abc")),
            ("session id null", b => Session(b)["id"] = null),
        };
        foreach (var (name, spoil) in missing)
            yield return Signed("incomplete payment_finished: " + name, Spoiled(spoil), HttpStatusCode.BadRequest, incomplete);

        var wrong = new (string, Action<JsonObject>, string)[]
        {
            ("session id a number", b => Session(b)["id"] = 12, WebhookShape.Reasons.BadSessionId),
            ("session id without ps_", b => Session(b)["id"] = "abc", WebhookShape.Reasons.BadSessionId),
            ("session id with a space", b => Session(b)["id"] = "ps_a b", WebhookShape.Reasons.BadSessionId),
            ("session id 65 characters", b => Session(b)["id"] = "ps_" + new string('a', 62), WebhookShape.Reasons.BadSessionId),
            ("session id with NUL", b => Session(b)["id"] = "ps_a\0b", WebhookShape.Reasons.BadSessionId),
            ("payout id a number", b => Payment(b)["id"] = 7, WebhookShape.Reasons.BadPayoutId),
            ("payout id without po_", b => Payment(b)["id"] = "abc", WebhookShape.Reasons.BadPayoutId),
            ("payout id with a control character", b => Payment(b)["id"] = "po_\u001b", WebhookShape.Reasons.BadPayoutId),
            ("status a number", b => Payment(b)["status"] = 1, WebhookShape.Reasons.BadStatus),
            ("status with capitals", b => Payment(b)["status"] = "SUCCEEDED", WebhookShape.Reasons.BadStatus),
            ("status with NUL", b => Payment(b)["status"] = "succeeded\0", WebhookShape.Reasons.BadStatus),
            ("status 33 characters", b => Payment(b)["status"] = new string('s', 33), WebhookShape.Reasons.BadStatus),
            ("error code with a space", b => Payment(b)["error"] = new JsonObject { ["code"] = "a b" }, WebhookShape.Reasons.BadErrorCode),
            ("error code with NUL", b => Payment(b)["error"] = new JsonObject { ["code"] = "a\0b" }, WebhookShape.Reasons.BadErrorCode),
            ("session error code 65 characters", b => Session(b)["error"] = new JsonObject { ["code"] = new string('c', 65) }, WebhookShape.Reasons.BadErrorCode),
            ("error description with NUL", b => Payment(b)["error"] = new JsonObject { ["code"] = "x", ["description"] = "a\0b" }, WebhookShape.Reasons.BadText),
            ("error description with an escape sequence", b => Session(b)["error"] = new JsonObject { ["code"] = "x", ["description"] = "\u001b[2J" }, WebhookShape.Reasons.BadText),
            ("metadata value with NUL", b => Reference(b)["note"] = "a\0b", WebhookShape.Reasons.BadMetadata),
            ("metadata key with NUL", b => Reference(b)["a\0"] = "x", WebhookShape.Reasons.BadMetadata),
            ("metadata value with a right-to-left override", b => Reference(b)["note"] = "a\u202Eb", WebhookShape.Reasons.BadMetadata),
        };
        foreach (var (name, spoil, reason) in wrong)
            yield return Signed("wrong shape: " + name, Spoiled(spoil), HttpStatusCode.BadRequest, reason);

        // Text edits JsonNode cannot make: a lone surrogate escape, nesting too deep for the metadata reader, and a
        // number PostgreSQL's jsonb cannot hold (SQLSTATE 22003).
        yield return Signed("wrong shape: escaped lone surrogate in metadata",
            Edited(b => b.Replace("\"delivery\"", "\"note\":\"\\ud800x\",\"delivery\"", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, WebhookShape.Reasons.BadMetadata);
        yield return Signed("wrong shape: metadata nested 70 deep",
            Edited(b => b.Replace("\"delivery\"", "\"deep\":" + new string('[', 70) + new string(']', 70) + ",\"delivery\"", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, "malformed_json");
        yield return Signed("wrong shape: number beyond jsonb's range in metadata",
            Edited(b => b.Replace("\"delivery\"", "\"n\":1e1000000,\"delivery\"", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, "invalid_value_22003");

        // Unknown, odd or absent-but-harmless parts: kept, changing nothing.
        yield return Kept("unknown type", Spoiled(b => b["type"] = "payment_exploded"));
        yield return Kept("type with NUL (kept only as unsupported)", Spoiled(b => b["type"] = "payment\0finished"));
        yield return Kept("type 5000 characters (kept only as unsupported)", Spoiled(b => b["type"] = new string('t', 5000)));
        yield return Kept("amount a string", Spoiled(b => Payment(b)["amount_details"] = new JsonObject { ["amount"] = "lots", ["currency"] = "rub" }));
        yield return Kept("metadata an array", Spoiled(b => Payment(b)["metadata"] = new JsonArray(1, 2)));
    }

    // --- card numbers in every string field ---------------------------------------------------------------------------

    /// <summary>
    /// Every string the bank sends, holding a card number in many shapes, signed by the bank: ids, status and codes
    /// are refused (400, their reason code); free text and unknown fields are kept with the number masked, and the
    /// type only as "unsupported". The suite's final scan proves no digits reached a log, table, stream or dump.
    /// </summary>
    private static IEnumerable<WebhookCase> CardNumbersInFields()
    {
        // (field, how to put the text in, reason it is refused for (null: kept masked), reason when the text also
        // holds an invisible format character such as a zero-width space, which stored text may not hold)
        const string? keep = null;
        var fields = new (string Field, Action<JsonObject, string> Set, string? Reason, string? FormatCharacterReason)[]
        {
            ("type", (b, v) => b["type"] = "payment_finished_" + v, keep, keep),
            ("session.id", (b, v) => Session(b)["id"] = "ps_" + v, WebhookShape.Reasons.BadSessionId, WebhookShape.Reasons.BadSessionId),
            ("session.status", (b, v) => Session(b)["status"] = v, keep, keep),
            ("session.error.code", (b, v) => Session(b)["error"] = new JsonObject { ["code"] = "declined_" + v }, WebhookShape.Reasons.BadErrorCode, WebhookShape.Reasons.BadErrorCode),
            ("session.error.description", (b, v) => Session(b)["error"] = new JsonObject { ["code"] = "declined", ["description"] = "card " + v }, keep, WebhookShape.Reasons.BadText),
            ("payments[0].id", (b, v) => Payment(b)["id"] = "po_" + v, WebhookShape.Reasons.BadPayoutId, WebhookShape.Reasons.BadPayoutId),
            ("payments[0].status", (b, v) => Payment(b)["status"] = v, WebhookShape.Reasons.BadStatus, WebhookShape.Reasons.BadStatus),
            ("payments[0].error.code", (b, v) => Payment(b)["error"] = new JsonObject { ["code"] = v }, WebhookShape.Reasons.BadErrorCode, WebhookShape.Reasons.BadErrorCode),
            ("payments[0].error.description", (b, v) => Payment(b)["error"] = new JsonObject { ["code"] = "declined", ["description"] = v }, keep, WebhookShape.Reasons.BadText),
            ("payments[0].amount_details.currency", (b, v) => Payment(b)["amount_details"]!["currency"] = v, keep, keep),
            ("payments[0].payment_method card last4", (b, v) => Payment(b)["payment_method"] = new JsonObject
                { ["type"] = "card", ["card"] = new JsonObject { ["type"] = "bank_card", ["bank_card"] = new JsonObject { ["last4"] = v } } }, keep, keep),
            ("metadata value", (b, v) => Reference(b)["note"] = v, keep, WebhookShape.Reasons.BadMetadata),
            ("metadata key", (b, v) => Reference(b)[v] = "x", keep, WebhookShape.Reasons.BadMetadata),
            ("metadata payout_id", (b, v) => Metadata(b)["payout_id"] = v, keep, WebhookShape.Reasons.BadMetadata),
            ("unknown root field", (b, v) => b["note"] = v, keep, keep),
        };
        var texts = BadValues.PanTexts().Where(t => t.Name.Contains("plain", StringComparison.Ordinal)
            || t.Name.Contains("spaces", StringComparison.Ordinal) || t.Name.Contains("dots", StringComparison.Ordinal)
            || t.Name.Contains("fullwidth", StringComparison.Ordinal) || t.Name.Contains("underscores", StringComparison.Ordinal));
        foreach (var (name, text) in texts)
            foreach (var (field, set, plainReason, formatReason) in fields)
            {
                var body = Spoiled(b => set(b, text));
                var reason = text.Contains('\u200B', StringComparison.Ordinal) && !MaskedAway(field, text) ? formatReason : plainReason;
                yield return reason is null
                    ? Kept($"{field}: {name}", body)
                    : Signed($"{field}: {name}", body, HttpStatusCode.BadRequest, reason);
            }
        // A JSON escape hides the first digit from a scan of the raw text.
        yield return Kept("metadata value: card number behind a \\u escape",
            Edited(b => b.Replace("\"delivery\"", "\"note\":\"\\u0034242424242424242\",\"delivery\"", StringComparison.Ordinal)));
        yield return Kept("metadata value: card number as a JSON number",
            Edited(b => b.Replace("\"delivery\"", "\"n\":4111111111111111,\"delivery\"", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Error descriptions are masked as they are read (<see cref="Bank131.CardNumberMasking"/>) before the check for
    /// control characters, so a zero-width space inside the masked number goes with it; one outside stays and is
    /// refused. Which of the two happens depends on where the detector finds the card number in the text.
    /// </summary>
    private static bool MaskedAway(string field, string text) =>
        field.EndsWith("error.description", StringComparison.Ordinal)
        && !Bank131.LongDigitRun.HasControl(Bank131.CardNumberMasking.Mask(text), allowLineBreaks: true);

    private static JsonObject Session(JsonObject b) => b["session"]!.AsObject();
    private static JsonObject Payment(JsonObject b) => Session(b)["payments"]![0]!.AsObject();
    private static JsonObject Metadata(JsonObject b) => Payment(b)["metadata"]!.AsObject();
    private static JsonObject Reference(JsonObject b) => Metadata(b)["reference"]!.AsObject();

    private static byte[] Spoiled(Action<JsonObject> spoil)
    {
        var body = Body();
        spoil(body);
        return Bytes(body);
    }

    private static byte[] Edited(Func<string, string> edit) => Encoding.UTF8.GetBytes(edit(Body().ToJsonString()));
}
