using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;
using static PayoutVault.Tests.BadInput.BadInputFixture;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// Bad values for every field of every RPC, generated from the tables in <see cref="BadValues"/>: each field gets
/// the kinds of wrong it can be (empty, too long, wrong format, control characters, Unicode digits, card numbers in
/// every shape, out-of-range numbers, unknown enum values, ids that are well-formed but unknown or not the caller's),
/// and every RPC is also called by callers that lack its permission, with card numbers in the request.
/// </summary>
public static class GrpcFieldCases
{
    public static IEnumerable<GrpcCase> All(BadInputFixture fx) =>
        Tokenize().Concat(TokenizeBatchCases.All()).Concat(TokenIds(fx)).Concat(CreatePayout(fx)).Concat(PayoutIds(fx)).Concat(WatchPayouts())
            .Concat(PermissionRefusals(fx));

    // --- TokenService ---------------------------------------------------------------------------------------------

    private static IEnumerable<GrpcCase> Tokenize()
    {
        const string surface = "Tokenize";
        foreach (var (name, bytes) in BadPans())
            yield return Case(surface, "pan " + name, CardCollector,
                (ch, o) => new TokenService.TokenServiceClient(ch).TokenizeAsync(
                    new TokenizeRequest { Pan = ByteString.CopyFrom(bytes) }, o).ResponseAsync, StatusCode.InvalidArgument, "pan");
        foreach (var (name, month, y, field) in BadExpiries())
            yield return Case(surface, "expiry " + name, CardCollector,
                (ch, o) => new TokenService.TokenServiceClient(ch).TokenizeAsync(
                    TokenRequests.Tokenize(BadCardBase, new CardExpiry { Month = month, Year = y }), o).ResponseAsync,
                StatusCode.InvalidArgument, field);
    }

    /// <summary>The card the bad values are made from: never tokenized by the suite, so any row for it would be a write.</summary>
    internal const string BadCardBase = TestCards.Visa2;

    /// <summary>Card numbers Tokenize (and every card of TokenizeBatch) must refuse with a violation of pan.</summary>
    internal static List<(string Name, byte[] Bytes)> BadPans()
    {
        var visa = BadCardBase;
        var pans = new List<(string Name, byte[] Bytes)>
        {
            ("empty", []),
            ("11 digits", TestCards.Ascii(visa[..11])),
            ("20 digits", TestCards.Ascii(visa + "4")),
            ("200 digits", TestCards.Ascii(string.Concat(Enumerable.Repeat(visa, 13))[..200])),
            ("Luhn check fails", TestCards.Ascii(TestCards.LuhnInvalid)),
            ("one digit repeated", TestCards.Ascii(new string('0', 16))),
            ("counting sequence", TestCards.Ascii(CountingSequencePassingLuhn())),
            ("issuer number all zeros", TestCards.Ascii(LuhnCompleted("000000424242424"))),
            ("letters", TestCards.Ascii("4242abcd42424242")),
            ("leading plus", TestCards.Ascii("+" + visa)),
            ("trailing line break", TestCards.Ascii(visa + "\n")),
            ("NUL inside", TestCards.Ascii(visa[..8] + "\0" + visa[8..])),
            ("NUL padded", [.. TestCards.Ascii(visa), 0, 0, 0]),
            ("invalid UTF-8 bytes", [0xFF, 0xFE, .. TestCards.Ascii(visa[2..])]),
            ("UTF-16 encoded", System.Text.Encoding.Unicode.GetBytes(visa)),
        };
        foreach (var (shape, write) in BadValues.PanShapes.Where(s => s.Shape != "plain"))
            pans.Add(("written " + shape, BadValues.Utf8(write(visa))));
        return pans;
    }

    /// <summary>Expiries Tokenize (and every card of TokenizeBatch) must refuse, with the field each violates.</summary>
    internal static (string Name, int Month, int Year, string Field)[] BadExpiries()
    {
        var year = DateTime.UtcNow.Year;
        return
        [
            ("month 0", 0, year + 2, "expiry.month"),
            ("month 13", 13, year + 2, "expiry.month"),
            ("month -1", -1, year + 2, "expiry.month"),
            ("month int.MaxValue", int.MaxValue, year + 2, "expiry.month"),
            ("month int.MinValue", int.MinValue, year + 2, "expiry.month"),
            ("year 0", 12, 0, "expiry.year"),
            ("two-digit year", 12, 30, "expiry.year"),
            ("year 1999", 12, 1999, "expiry.year"),
            ("year 2100", 12, 2100, "expiry.year"),
            ("negative year", 12, -(year + 2), "expiry.year"),
            ("year int.MaxValue", 12, int.MaxValue, "expiry.year"),
            ("both zero", 0, 0, "expiry.month"),
            ("expired last year", 12, year - 1, "expiry"),
        ];
    }

    private static IEnumerable<GrpcCase> TokenIds(BadInputFixture fx)
    {
        var rpcs = new (string Name, Func<GrpcChannel, CallOptions, string, Task> Call)[]
        {
            ("GetToken", (ch, o, t) => new TokenService.TokenServiceClient(ch).GetTokenAsync(new GetTokenRequest { Token = t }, o).ResponseAsync),
            ("DeleteToken", (ch, o, t) => new TokenService.TokenServiceClient(ch).DeleteTokenAsync(new DeleteTokenRequest { Token = t }, o).ResponseAsync),
        };
        foreach (var (rpc, call) in rpcs)
        {
            foreach (var (name, id) in BadValues.MalformedIds("tok_", "pay_").Concat(BadValues.ControlText).Concat(BadValues.PanTexts(4)))
                yield return Case(rpc, "token " + name, CardCollector, (ch, o) => call(ch, o, id), StatusCode.InvalidArgument, "token");
            var unknown = BadValues.UnknownId("tok_");
            yield return Case(rpc, "token well-formed but unknown", CardCollector, (ch, o) => call(ch, o, unknown), StatusCode.NotFound);
            yield return Case(rpc, "token deleted", CardCollector, (ch, o) => call(ch, o, fx.DeletedToken), StatusCode.NotFound);
        }
    }

    // --- PayoutService -------------------------------------------------------------------------------------------

    private static IEnumerable<GrpcCase> CreatePayout(BadInputFixture fx)
    {
        const string surface = "CreatePayout";
        GrpcCase Create(string name, Action<CreatePayoutRequest> spoil, StatusCode expected, string? field) =>
            Case(surface, name, PayoutCaller, (ch, o) =>
            {
                var request = PayoutEnvironment.Request(fx.Token);
                spoil(request);
                return new PayoutService.PayoutServiceClient(ch).CreatePayoutAsync(request, o).ResponseAsync;
            }, expected, field);

        // idempotency_key: 1..128 of [A-Za-z0-9._:-], never a card number
        var keys = new List<(string, string)> { ("empty", ""), ("129 characters", new string('k', 129)), ("5000 characters", new string('k', 5000)) };
        keys.AddRange(BadValues.ControlText);
        keys.AddRange(BadValues.ForeignToIdentifiers);
        keys.AddRange(BadValues.PanTexts());
        foreach (var (name, key) in keys)
            yield return Create("idempotency_key " + name, r => r.IdempotencyKey = key, StatusCode.InvalidArgument, "idempotency_key");

        // card_token
        foreach (var (name, token) in BadValues.MalformedIds("tok_", "pay_").Concat(BadValues.ControlText).Concat(BadValues.PanTexts(4)))
            yield return Create("card_token " + name, r => r.CardToken = token, StatusCode.InvalidArgument, "card_token");
        var unknownToken = BadValues.UnknownId("tok_");
        yield return Create("card_token well-formed but unknown", r => r.CardToken = unknownToken, StatusCode.NotFound, null);
        yield return Create("card_token deleted", r => r.CardToken = fx.DeletedToken, StatusCode.NotFound, null);

        // amount_minor: 1 .. 10^12
        foreach (var (name, amount) in new (string, long)[]
                 {
                     ("zero", 0), ("minus one", -1), ("negative", -10000), ("long.MinValue", long.MinValue),
                     ("long.MaxValue", long.MaxValue), ("10^12 + 1", 1_000_000_000_001), ("a card number", long.Parse(TestCards.Visa2, System.Globalization.CultureInfo.InvariantCulture)),
                 })
            yield return Create("amount_minor " + name, r => r.AmountMinor = amount, StatusCode.InvalidArgument, "amount_minor");

        // currency: rub, usd, eur
        var currencies = new List<(string, string)>
        {
            ("empty", ""), ("unknown code", "xxx"), ("four letters", "rubx"), ("trailing space", "rub "), ("leading space", " rub"),
            ("cyrillic", "руб"), ("symbol", "\u20BD"), ("numeric code", "643"), ("5000 characters", new string('r', 5000)),
        };
        currencies.AddRange(BadValues.ControlText.Select(c => (c.Name, "r" + c.Text + "b")));
        currencies.AddRange(BadValues.PanTexts(2));
        foreach (var (name, currency) in currencies)
            yield return Create("currency " + name, r => r.Currency = currency, StatusCode.InvalidArgument, "currency");

        // recipient: full_name, or first_name and last_name
        yield return Create("recipient missing", r => r.Recipient = null, StatusCode.InvalidArgument, "recipient");
        yield return Create("recipient empty", r => r.Recipient = new Recipient(), StatusCode.InvalidArgument, "recipient");
        yield return Create("recipient first_name only", r => r.Recipient = new Recipient { FirstName = "Ivan" }, StatusCode.InvalidArgument, "recipient");
        yield return Create("recipient last_name only", r => r.Recipient = new Recipient { LastName = "Ivanov" }, StatusCode.InvalidArgument, "recipient");
        yield return Create("recipient middle_name only", r => r.Recipient = new Recipient { MiddleName = "Ivanovich" }, StatusCode.InvalidArgument, "recipient");
        var names = new List<(string, string)> { ("blank", "   "), ("257 characters", new string('n', 257)), ("5000 characters", new string('n', 5000)) };
        names.AddRange(BadValues.ControlText);
        names.AddRange(BadValues.PanTexts());
        var nameFields = new (string Field, Action<Recipient, string> Set)[]
        {
            ("full_name", (p, v) => p.FullName = v), ("first_name", (p, v) => p.FirstName = v),
            ("last_name", (p, v) => p.LastName = v), ("middle_name", (p, v) => p.MiddleName = v),
        };
        foreach (var (field, set) in nameFields)
            foreach (var (name, value) in names)
                yield return Create($"recipient.{field} {name}", r => set(r.Recipient, value), StatusCode.InvalidArgument, "recipient." + field);

        // metadata: at most 16 entries, keys 1..64 of [A-Za-z0-9_.-], values up to 512 without control characters, 2 KiB in all
        yield return Create("metadata 17 entries", r => { for (var i = 0; i < 17; i++) r.Metadata["k" + (char)('a' + i)] = "v"; }, StatusCode.InvalidArgument, "metadata");
        yield return Create("metadata over 2 KiB in all", r => { for (var i = 0; i < 5; i++) r.Metadata["k" + (char)('a' + i)] = new string('v', 500); }, StatusCode.InvalidArgument, "metadata");
        var metadataKeys = new List<(string, string)> { ("empty", ""), ("65 characters", new string('k', 65)), ("colon", "a:b") };
        metadataKeys.AddRange(BadValues.ControlText);
        metadataKeys.AddRange(BadValues.ForeignToIdentifiers);
        metadataKeys.AddRange(BadValues.PanTexts());
        foreach (var (name, key) in metadataKeys)
            yield return Create("metadata key " + name, r => r.Metadata[key] = "value", StatusCode.InvalidArgument, "metadata");
        var metadataValues = new List<(string, string)> { ("513 characters", new string('v', 513)) };
        metadataValues.AddRange(BadValues.ControlText);
        metadataValues.AddRange(BadValues.PanTexts());
        foreach (var (name, value) in metadataValues)
            yield return Create("metadata value " + name, r => r.Metadata["note"] = value, StatusCode.InvalidArgument, "metadata[note]");
    }

    private static IEnumerable<GrpcCase> PayoutIds(BadInputFixture fx)
    {
        var rpcs = new (string Name, Func<GrpcChannel, CallOptions, string, Task> Call)[]
        {
            ("GetPayout", (ch, o, id) => new PayoutService.PayoutServiceClient(ch).GetPayoutAsync(new GetPayoutRequest { PayoutId = id }, o).ResponseAsync),
            ("WatchPayout", (ch, o, id) => DrainAsync(new PayoutService.PayoutServiceClient(ch).WatchPayout(new WatchPayoutRequest { PayoutId = id }, o))),
        };
        foreach (var (rpc, call) in rpcs)
        {
            foreach (var (name, id) in BadValues.MalformedIds("pay_", "tok_").Concat(BadValues.ControlText).Concat(BadValues.PanTexts(4)))
                yield return Case(rpc, "payout_id " + name, PayoutCaller, (ch, o) => call(ch, o, id), StatusCode.InvalidArgument, "payout_id");
            var unknown = BadValues.UnknownId("pay_");
            yield return Case(rpc, "payout_id well-formed but unknown", PayoutCaller, (ch, o) => call(ch, o, unknown), StatusCode.NotFound);
            yield return Case(rpc, "payout_id of another caller's payout", PayoutCaller,
                (ch, o) => call(ch, o, fx.OthersPayout.PayoutId), StatusCode.NotFound);
        }
    }

    private static IEnumerable<GrpcCase> WatchPayouts()
    {
        const string surface = "WatchPayouts";
        GrpcCase Watch(string name, string caller, Action<WatchPayoutsRequest> spoil, string field) =>
            Case(surface, name, caller, (ch, o) =>
            {
                var request = new WatchPayoutsRequest();
                spoil(request);
                return DrainAsync(new PayoutService.PayoutServiceClient(ch).WatchPayouts(request, o));
            }, StatusCode.InvalidArgument, field);

        foreach (var (name, cursor) in new (string, long)[] { ("-1", -1), ("long.MinValue", long.MinValue) })
            yield return Watch("from_cursor " + name, PayoutCaller, r => r.FromCursor = cursor, "from_cursor");
        foreach (var (name, id) in BadValues.MalformedIds("pay_", "tok_").Concat(BadValues.ControlText.Take(3)).Concat(BadValues.PanTexts(2)))
            yield return Watch("filter.payout_ids " + name, Watcher,
                r => r.Filter = new PayoutFilter { PayoutIds = { BadValues.UnknownId("pay_"), id } }, "filter.payout_ids");
        yield return Watch("filter.payout_ids 1001 ids", Watcher,
            r => r.Filter = new PayoutFilter { PayoutIds = { Enumerable.Range(0, 1001).Select(_ => BadValues.UnknownId("pay_")) } }, "filter.payout_ids");
        foreach (var (name, state) in new (string, int)[]
                 {
                     ("UNSPECIFIED", 0), ("7 (unknown)", 7), ("99 (unknown)", 99), ("-1", -1), ("int.MaxValue", int.MaxValue), ("int.MinValue", int.MinValue),
                 })
            yield return Watch("filter.states " + name, Watcher,
                r => r.Filter = new PayoutFilter { States = { PayoutState.Succeeded, (PayoutState)state } }, "filter.states");
    }

    // --- permissions ----------------------------------------------------------------------------------------------

    /// <summary>Every RPC, called by callers that lack its permission, with a card number in the request where a
    /// field can carry one: PERMISSION_DENIED, and the card number reaches no answer, log or table.</summary>
    private static IEnumerable<GrpcCase> PermissionRefusals(BadInputFixture fx)
    {
        var pan = TestCards.Visa2;
        var rpcs = new (string Rpc, string[] Holders, Func<GrpcChannel, CallOptions, Task> Call)[]
        {
            ("Tokenize", [CardCollector], (ch, o) => new TokenService.TokenServiceClient(ch).TokenizeAsync(TokenRequests.Tokenize(pan), o).ResponseAsync),
            ("TokenizeBatch", [CardCollector], (ch, o) => TokenizeBatchCases.CallAsync(ch, o, BatchCalls.Message(pan))),
            ("GetToken", [CardCollector, PayoutCaller], (ch, o) => new TokenService.TokenServiceClient(ch).GetTokenAsync(new GetTokenRequest { Token = fx.Token }, o).ResponseAsync),
            ("DeleteToken", [CardCollector], (ch, o) => new TokenService.TokenServiceClient(ch).DeleteTokenAsync(new DeleteTokenRequest { Token = fx.Token }, o).ResponseAsync),
            ("CreatePayout", [PayoutCaller, OtherService], (ch, o) =>
            {
                var request = PayoutEnvironment.Request(fx.Token);
                request.Metadata["card"] = pan;
                return new PayoutService.PayoutServiceClient(ch).CreatePayoutAsync(request, o).ResponseAsync;
            }),
            ("GetPayout", [PayoutCaller, OtherService], (ch, o) => new PayoutService.PayoutServiceClient(ch).GetPayoutAsync(new GetPayoutRequest { PayoutId = fx.OwnPayout.PayoutId }, o).ResponseAsync),
            ("WatchPayouts", [PayoutCaller, OtherService, Watcher], (ch, o) => DrainAsync(new PayoutService.PayoutServiceClient(ch).WatchPayouts(new WatchPayoutsRequest(), o))),
            ("WatchPayout", [PayoutCaller, OtherService, Watcher], (ch, o) => DrainAsync(new PayoutService.PayoutServiceClient(ch).WatchPayout(new WatchPayoutRequest { PayoutId = fx.OwnPayout.PayoutId }, o))),
            ("RotateDataKey", [KeyAdmin], (ch, o) => new KeyService.KeyServiceClient(ch).RotateDataKeyAsync(new RotateKeyRequest(), o).ResponseAsync),
            ("RotateFingerprintKey", [KeyAdmin], (ch, o) => new KeyService.KeyServiceClient(ch).RotateFingerprintKeyAsync(new RotateKeyRequest(), o).ResponseAsync),
            ("GetKeyStatus", [KeyAdmin], (ch, o) => new KeyService.KeyServiceClient(ch).GetKeyStatusAsync(new GetKeyStatusRequest(), o).ResponseAsync),
        };
        foreach (var (rpc, holders, call) in rpcs)
            foreach (var caller in new[] { CardCollector, PayoutCaller, OtherService, KeyAdmin, Watcher, Nobody }.Except(holders))
                yield return Case(rpc, "caller without the permission", caller, call, StatusCode.PermissionDenied);
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static GrpcCase Case(string surface, string name, string caller, Func<GrpcChannel, CallOptions, Task> call,
        StatusCode expected, string? field = null) => new(surface, name, caller, call, expected, field);

    public static async Task DrainAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
    }

    /// <summary>A run of consecutive digits (1234..., wrapping 9 to 0), 12 to 19 long, that passes Luhn: a
    /// placeholder the vault must refuse although its check digit is right.</summary>
    private static string CountingSequencePassingLuhn()
    {
        for (var length = 12; length <= 19; length++)
            for (var first = 1; first <= 9; first++)
            {
                var digits = new string(Enumerable.Range(0, length).Select(i => (char)('0' + (first + i) % 10)).ToArray());
                if (CardDataScanner.PassesLuhn(digits)) return digits;
            }
        throw new InvalidOperationException("no counting sequence passes Luhn");
    }

    /// <summary>The digits with the Luhn check digit appended.</summary>
    private static string LuhnCompleted(string digits)
    {
        for (var d = '0'; d <= '9'; d++)
            if (CardDataScanner.PassesLuhn(digits + d)) return digits + d;
        throw new InvalidOperationException("unreachable");
    }
}
