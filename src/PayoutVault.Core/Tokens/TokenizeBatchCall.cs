using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Core.Tokens;

/// <summary>One card of a batch as the caller sent it. The bytes stay the caller's to wipe once submitted.</summary>
public readonly record struct BatchCard(ReadOnlyMemory<byte> Pan, int? ExpMonth, int? ExpYear);

/// <summary>
/// The answer for one card of a batch: its outcome (token and display data) or the problems that refused it, and for
/// a card number repeated within the call, the index of its first occurrence.
/// </summary>
public sealed record BatchItemResult(long Index, TokenizeOutcome? Outcome, IReadOnlyList<FieldViolation> Problems, long? DuplicateOf);

/// <summary>Starts TokenizeBatch calls: one <see cref="TokenizeBatchCall"/> per gRPC call.</summary>
public sealed class TokenizeBatches(TokenVault vault, TokenizeWriter writer, AuditLog audit,
    IOptions<TokenizeBatchOptions> options, ILogger<TokenizeBatchCall> logger)
{
    public TokenizeBatchOptions Limits => options.Value;

    public TokenizeBatchCall Start(AuditContext who) => new(vault, writer, audit, options.Value, who, logger);
}

/// <summary>
/// One TokenizeBatch call, free of gRPC. Each card is validated and sealed exactly as Tokenize does it and queued on
/// the same group-commit writer, so a message of N cards becomes a few shared transactions (one multi-row INSERT of
/// cards and one of their token.tokenize records each) instead of N commits. A card number seen earlier in the call
/// is not written again: it gets the first occurrence's token. Cards the vault already holds are found by the unique
/// fingerprint index, as for Tokenize.
/// </summary>
/// <remarks>Submit is called by one reader at a time; results complete concurrently, so the counters are atomic.</remarks>
public sealed class TokenizeBatchCall(TokenVault vault, TokenizeWriter writer, AuditLog audit, TokenizeBatchOptions limits,
    AuditContext who, ILogger logger)
{
    private readonly Dictionary<string, (long Index, Task<TokenizeOutcome> Outcome)> _seen = new(StringComparer.Ordinal);
    private long _next;
    private long _created, _existing, _duplicates, _rejected;

    /// <summary>Cards accepted for processing so far (the index the next card gets).</summary>
    public long Items => _next;

    /// <summary>
    /// Checks the message's bounds first (INVALID_ARGUMENT, nothing of the message stored), then validates and seals
    /// every card and queues the valid ones. The outer task completes once every card is sealed and queued (the
    /// caller may then wipe its copies of the card numbers); the inner one with one result per card, in order, once
    /// every card it queued has committed with its audit record.
    /// </summary>
    public async ValueTask<Task<BatchItemResult[]>> SubmitAsync(IReadOnlyList<BatchCard> cards, CancellationToken ct)
    {
        if (cards.Count == 0) Violations.Throw("items", "a request message must carry at least one card");
        if (cards.Count > limits.MaxItemsPerMessage)
            Violations.Throw("items", $"a request message carries at most {limits.MaxItemsPerMessage} cards");
        if (_next + cards.Count > limits.MaxItemsPerCall)
            Violations.Throw("items", $"a call carries at most {limits.MaxItemsPerCall} cards; send the rest in a new call");

        var dataKeyVersion = await vault.ReserveSealsAsync(cards.Count, ct);
        var pending = new Task<BatchItemResult>[cards.Count];
        for (var i = 0; i < cards.Count; i++)
        {
            var index = _next++;
            var (card, problems) = vault.Seal(cards[i].Pan.Span, cards[i].ExpMonth, cards[i].ExpYear, dataKeyVersion);
            if (card is null)
            {
                Interlocked.Increment(ref _rejected);
                VaultTelemetry.Tokenizations.Add(1, VaultTelemetry.Tag("outcome", "rejected"));
                pending[i] = Task.FromResult(new BatchItemResult(index, null, problems, null));
                continue;
            }
            var fingerprint = Convert.ToHexString(card.Fingerprint);
            if (_seen.TryGetValue(fingerprint, out var first))
            {
                pending[i] = RepeatAsync(index, first.Index, first.Outcome);
                continue;
            }
            var write = writer.WriteAsync(card, who, ct, $"batch item {index}");
            _seen[fingerprint] = (index, write);
            pending[i] = StoredAsync(index, write);
        }
        return Task.WhenAll(pending);
    }

    /// <summary>Throws INVALID_ARGUMENT for a call that ended without a single card.</summary>
    public void EnsureAnyCard()
    {
        if (_next == 0) Violations.Throw("items", "the call carried no card");
    }

    /// <summary>
    /// Logs the call's counts and, for a call that submitted any card, writes its token.tokenize_batch record
    /// (the per-card token.tokenize records committed with the cards). A call refused before its first card leaves
    /// only the request.failed record of the refusal.
    /// </summary>
    public async Task EndAsync(Exception? failure)
    {
        var outcome = failure switch
        {
            null => "completed",
            OperationCanceledException => "cancelled",
            _ => "failed",
        };
        long created = Interlocked.Read(ref _created), existing = Interlocked.Read(ref _existing);
        long duplicates = Interlocked.Read(ref _duplicates), rejected = Interlocked.Read(ref _rejected);
        VaultLog.TokenizeBatchEnded(logger, outcome, _next, created, existing, duplicates, rejected);
        if (_next == 0) return;
        await audit.AppendAsync(who.Entry(AuditActions.TokenizeBatch, null, outcome,
            $"{_next} cards: {created} created, {existing} existing, {duplicates} repeated in the call, {rejected} rejected"),
            CancellationToken.None);
    }

    private async Task<BatchItemResult> StoredAsync(long index, Task<TokenizeOutcome> write)
    {
        var outcome = await write;
        if (outcome.Created) Interlocked.Increment(ref _created);
        else Interlocked.Increment(ref _existing);
        VaultTelemetry.Tokenizations.Add(1, VaultTelemetry.Tag("outcome", outcome.Created ? "created" : "existing"));
        VaultLog.TokenizeBatchItem(logger, index, outcome.Card.Token, outcome.Created);
        return new BatchItemResult(index, outcome, [], null);
    }

    private async Task<BatchItemResult> RepeatAsync(long index, long firstIndex, Task<TokenizeOutcome> first)
    {
        var outcome = await first;
        Interlocked.Increment(ref _duplicates);
        VaultTelemetry.Tokenizations.Add(1, VaultTelemetry.Tag("outcome", "existing"));
        return new BatchItemResult(index, outcome with { Created = false }, [], firstIndex);
    }
}
