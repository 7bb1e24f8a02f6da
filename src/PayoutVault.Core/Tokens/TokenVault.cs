using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using System.Diagnostics;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Core.Tokens;

/// <summary>
/// Tokenization logic, free of gRPC: validate, fingerprint, encrypt, store through the group-commit writer. Also the
/// vault's only detokenization path, used in memory by the payout sender.
/// </summary>
public sealed class TokenVault(
    CardCrypto crypto, CardStore store, TokenizeWriter writer, AuditLog audit, TimeProvider time, ILogger<TokenVault> logger)
{
    public async Task<TokenizeOutcome> TokenizeAsync(ReadOnlyMemory<byte> pan, int? expMonth, int? expYear,
        AuditContext who, CancellationToken ct)
    {
        using var activity = VaultTelemetry.Source.StartActivity("vault.tokenize");
        var started = Stopwatch.GetTimestamp();
        var dataKeyVersion = await crypto.ReserveAsync(1, ct);
        var (card, problems) = Seal(pan.Span, expMonth, expYear, dataKeyVersion);
        if (card is null)
        {
            VaultTelemetry.Tokenizations.Add(1, VaultTelemetry.Tag("outcome", "rejected"));
            throw new InvalidArgumentException(problems);
        }
        var outcome = await writer.WriteAsync(card, who, ct);
        VaultLog.Tokenized(logger, outcome.Card.Token, outcome.Created);
        var result = outcome.Created ? "created" : "existing";
        activity?.SetTag("vault.token", outcome.Card.Token).SetTag("vault.outcome", result);
        VaultTelemetry.Tokenizations.Add(1, VaultTelemetry.Tag("outcome", result));
        VaultTelemetry.TokenizeDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return outcome;
    }

    /// <summary>
    /// Validates one card and, when valid, encrypts and fingerprints it for the writer. Problems are returned rather
    /// than thrown, so a batch can answer each card on its own; they never repeat the submitted value. The data-key
    /// version comes from <see cref="ReserveSealsAsync"/>, which reserved the encryptions this seal uses.
    /// </summary>
    internal (NewCard? Card, IReadOnlyList<FieldViolation> Problems) Seal(
        ReadOnlySpan<byte> pan, int? expMonth, int? expYear, int dataKeyVersion)
    {
        var violations = new Violations();
        if (PanValidator.Validate(pan) is { } panProblem) violations.Add("pan", panProblem);
        ValidateExpiry(violations, expMonth, expYear);
        if (violations.Any) return (null, violations.Items);

        using var digits = PanDigits.CopyOf(pan);
        var token = TokenFormat.NewToken();
        var sealedPan = crypto.Seal(token, digits.Span, dataKeyVersion);
        var fpVersion = crypto.ActiveFingerprintVersion;
        var fingerprint = crypto.Fingerprint(digits.Span, fpVersion);
        var others = crypto.AllFingerprints(digits.Span).Where(f => !f.AsSpan().SequenceEqual(fingerprint)).ToArray();
        return (new NewCard(token, fingerprint, fpVersion, others, sealedPan.Ciphertext, sealedPan.DataKeyVersion,
            digits.Bin, digits.Last4, CardBrand.Detect(digits.Span), expMonth, expYear), []);
    }

    /// <summary>Reserves <paramref name="count"/> encryptions under the active data key for the seals that follow.</summary>
    internal ValueTask<int> ReserveSealsAsync(int count, CancellationToken ct) => crypto.ReserveAsync(count, ct);

    public async Task<CardRecord> GetAsync(string token, AuditContext who, CancellationToken ct)
    {
        ValidateToken(token, "token");
        var card = await store.GetAsync(token, ct) ?? throw NotFound(token);
        await audit.AppendAsync(who.Entry(AuditActions.TokenRead, token, "ok"), ct);
        return card;
    }

    /// <summary>Decrypts a card number into a vault-owned buffer. The caller must dispose it, which zeroes it.</summary>
    public async Task<(CardRecord Card, PanDigits Pan)> OpenAsync(string token, CancellationToken ct)
    {
        var sealedCard = await store.GetSealedAsync(token, ct) ?? throw NotFound(token);
        return (sealedCard.Card, await crypto.DecryptAsync(token, sealedCard.DataKeyVersion, sealedCard.Ciphertext, ct));
    }

    public static void ValidateToken(string? token, string field)
    {
        if (string.IsNullOrEmpty(token)) Violations.Throw(field, $"{field} is required");
        if (!TokenFormat.IsValid(token)) Violations.Throw(field, $"{field} must be tok_ followed by 26 base32 characters");
    }

    internal static NotFoundException NotFound(string token) => new($"Token {token} does not exist or was deleted.");

    private void ValidateExpiry(Violations violations, int? month, int? year)
    {
        if (month is null && year is null) return;
        if (month is not (>= 1 and <= 12)) violations.Add("expiry.month", "expiry.month must be 1 to 12");
        if (year is not (>= 2000 and <= 2099)) violations.Add("expiry.year", "expiry.year must be a four-digit year");
        else if (month is >= 1 and <= 12)
        {
            var now = time.GetUtcNow();
            if (year < now.Year || (year == now.Year && month < now.Month))
                violations.Add("expiry", "the card has expired");
        }
    }
}
