using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// Invariant 8 for payouts: bad input gets INVALID_ARGUMENT naming the field (or NOT_FOUND for a token or payout that
/// does not exist), writes no row and sends nothing to the bank; and no error ever echoes a card number.
/// </summary>
public sealed class PayoutValidationTests(PayoutValidationTests.Fixture fixture) : IClassFixture<PayoutValidationTests.Fixture>
{
    public sealed class Fixture : PayoutEnvironmentFixture
    {
        public string Token { get; private set; } = "";
        public string DeletedToken { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Token = await Env.TokenizeAsync(TestCards.Visa);
            DeletedToken = await Env.TokenizeAsync(TestCards.Mir);
            await Env.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = DeletedToken });
        }
    }

    private PayoutEnvironment Env => fixture.Env;

    private static string Repeat(char c, int n) => new(c, n);

    /// <summary>Case name -> (how to spoil a valid request, the field the error must name).</summary>
    private static readonly Dictionary<string, (Action<CreatePayoutRequest> Spoil, string Field)> Cases = new()
    {
        ["amount zero"] = (r => r.AmountMinor = 0, "amount_minor"),
        ["amount negative"] = (r => r.AmountMinor = -100, "amount_minor"),
        ["amount over 10^12"] = (r => r.AmountMinor = 1_000_000_000_001, "amount_minor"),
        ["amount long.MaxValue"] = (r => r.AmountMinor = long.MaxValue, "amount_minor"),
        ["amount long.MinValue"] = (r => r.AmountMinor = long.MinValue, "amount_minor"),
        ["currency xxx"] = (r => r.Currency = "xxx", "currency"),
        ["currency empty"] = (r => r.Currency = "", "currency"),
        ["currency rubles"] = (r => r.Currency = "rubles", "currency"),
        ["currency tonc (not accepted)"] = (r => r.Currency = "tonc", "currency"),
        ["recipient missing"] = (r => r.Recipient = null, "recipient"),
        ["recipient empty"] = (r => r.Recipient = new Recipient(), "recipient"),
        ["full_name blank"] = (r => r.Recipient = new Recipient { FullName = "   " }, "recipient.full_name"),
        ["full_name tab only"] = (r => r.Recipient = new Recipient { FullName = "\t" }, "recipient.full_name"),
        ["first_name without last_name"] = (r => r.Recipient = new Recipient { FirstName = "Ivan" }, "recipient"),
        ["last_name without first_name"] = (r => r.Recipient = new Recipient { LastName = "Ivanov" }, "recipient"),
        ["middle_name only"] = (r => r.Recipient = new Recipient { MiddleName = "Ivanovich" }, "recipient"),
        ["full_name 257 chars"] = (r => r.Recipient = new Recipient { FullName = Repeat('a', 257) }, "recipient.full_name"),
        ["first_name 257 chars"] = (r => r.Recipient = new Recipient { FirstName = Repeat('я', 257), LastName = "Ivanov" }, "recipient.first_name"),
        ["full_name newline"] = (r => r.Recipient = new Recipient { FullName = "Ivanov\nIvan" }, "recipient.full_name"),
        ["full_name NUL"] = (r => r.Recipient = new Recipient { FullName = "Ivanov\u0000Ivan" }, "recipient.full_name"),
        ["full_name RLO"] = (r => r.Recipient = new Recipient { FullName = "Ivanov\u202EIvan" }, "recipient.full_name"),
        ["last_name escape"] = (r => r.Recipient = new Recipient { FirstName = "Ivan", LastName = "Iva\u001Bnov" }, "recipient.last_name"),
        ["middle_name zero-width"] = (r => r.Recipient = new Recipient { FullName = "Ivanov Ivan", MiddleName = "Iva\u200Bnovich" }, "recipient.middle_name"),
        ["full_name card number"] = (r => r.Recipient = new Recipient { FullName = "Ivanov " + TestCards.Visa2 }, "recipient.full_name"),
        ["last_name grouped card number"] = (r => r.Recipient = new Recipient { FirstName = "Ivan", LastName = "5555 5555 5555 4444" }, "recipient.last_name"),
        ["metadata 17 entries"] = (r => { for (var i = 0; i < 17; i++) r.Metadata["k" + i] = "v"; }, "metadata"),
        ["metadata 513-char value"] = (r => r.Metadata["note"] = Repeat('x', 513), "metadata[note]"),
        ["metadata over 2 KiB"] = (r => { for (var i = 0; i < 5; i++) r.Metadata["k" + i] = Repeat('x', 500); }, "metadata"),
        ["metadata over 2 KiB multibyte"] = (r => { for (var i = 0; i < 3; i++) r.Metadata["k" + i] = Repeat('ж', 400); }, "metadata"),
        ["metadata key with space"] = (r => r.Metadata["bad key"] = "v", "metadata"),
        ["metadata key with slash"] = (r => r.Metadata["a/b"] = "v", "metadata"),
        ["metadata key Cyrillic"] = (r => r.Metadata["ключ"] = "v", "metadata"),
        ["metadata key empty"] = (r => r.Metadata[""] = "v", "metadata"),
        ["metadata key 65 chars"] = (r => r.Metadata[Repeat('k', 65)] = "v", "metadata"),
        ["metadata value control char"] = (r => r.Metadata["note"] = "a\nb", "metadata[note]"),
        ["metadata value card number"] = (r => r.Metadata["note"] = "card " + TestCards.Visa2 + " ok", "metadata[note]"),
        ["metadata value bare card number"] = (r => r.Metadata["note"] = TestCards.Visa2, "metadata[note]"),
        ["metadata value spaced card number"] = (r => r.Metadata["note"] = "4111 1111 1111 1111", "metadata[note]"),
        ["metadata value dashed card number"] = (r => r.Metadata["note"] = "4111-1111-1111-1111", "metadata[note]"),
        ["token empty"] = (r => r.CardToken = "", "card_token"),
        ["token tok_123"] = (r => r.CardToken = "tok_123", "card_token"),
        ["token is a card number"] = (r => r.CardToken = TestCards.Visa, "card_token"),
        ["token uppercase"] = (r => r.CardToken = r.CardToken.ToUpperInvariant(), "card_token"),
        ["idempotency_key empty"] = (r => r.IdempotencyKey = "", "idempotency_key"),
        ["idempotency_key 129 chars"] = (r => r.IdempotencyKey = Repeat('k', 129), "idempotency_key"),
        ["idempotency_key with space"] = (r => r.IdempotencyKey = "a b", "idempotency_key"),
        ["idempotency_key non-ASCII"] = (r => r.IdempotencyKey = "ключ", "idempotency_key"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    private async Task<(long Rows, int Received)> SnapshotAsync() =>
        (await Db.CountAsync(Env.Vault.ConnectionString, "payouts"), (await Env.Sandbox.InitPayoutRequestsAsync()).Count);

    private static void AssertNoCardNumber(string text)
    {
        Assert.Empty(CardDataScanner.FindLuhnRuns(text));
        foreach (var pan in TestCards.All) Assert.False(CardDataScanner.ContainsPanDigits(text, pan), "error text holds card digits");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task CreatePayout_InvalidField_IsInvalidArgumentNamingTheField_AndChangesNothing(string name)
    {
        var (spoil, field) = Cases[name];
        var request = PayoutEnvironment.Request(fixture.Token);
        spoil(request);
        var before = await SnapshotAsync();

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => Env.Payouts.CreatePayoutAsync(request).ResponseAsync);

        Assert.Equal([field], ex.ViolatedFields().Distinct());
        Assert.All(ex.FieldViolations(), v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
        AssertNoCardNumber(ex.Describe());
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task CreatePayout_ManyBadFields_ReportsEveryViolationAtOnce()
    {
        var request = new CreatePayoutRequest
        {
            IdempotencyKey = "a b", CardToken = "tok_123", AmountMinor = 0, Currency = "xxx",
            Recipient = new Recipient { FullName = "x\ny" },
        };
        request.Metadata["bad key"] = "v";
        var before = await SnapshotAsync();

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => Env.Payouts.CreatePayoutAsync(request).ResponseAsync);

        Assert.Equal(
            new[] { "amount_minor", "card_token", "currency", "idempotency_key", "metadata", "recipient.full_name" },
            ex.ViolatedFields().Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task CreatePayout_UnknownWellFormedToken_IsNotFound_AndChangesNothing()
    {
        var before = await SnapshotAsync();
        var request = PayoutEnvironment.Request("tok_" + new string('a', 26));

        await RpcErrors.ExpectAsync(StatusCode.NotFound, () => Env.Payouts.CreatePayoutAsync(request).ResponseAsync);

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task CreatePayout_DeletedToken_IsNotFound_AndChangesNothing()
    {
        var before = await SnapshotAsync();
        var request = PayoutEnvironment.Request(fixture.DeletedToken);

        var ex = await RpcErrors.ExpectAsync(StatusCode.NotFound, () => Env.Payouts.CreatePayoutAsync(request).ResponseAsync);

        AssertNoCardNumber(ex.Describe());
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("pay_123")]
    [InlineData("pay_AAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("tok_aaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("4242424242424242")]
    [InlineData("pay_aaaaaaaaaaaaaaaaaaaaaaaaaa'")]
    public async Task GetPayout_MalformedId_IsInvalidArgument(string id)
    {
        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
            () => Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = id }).ResponseAsync);

        Assert.Equal(["payout_id"], ex.ViolatedFields().Distinct());
        AssertNoCardNumber(ex.Describe());
    }

    [Fact]
    public async Task GetPayout_UnknownWellFormedId_IsNotFound()
    {
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = "pay_" + new string('b', 26) }).ResponseAsync);
    }
}
