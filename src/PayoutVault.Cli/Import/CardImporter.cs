using System.Runtime.InteropServices;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Import;

/// <summary>
/// Migrates a file of cards into the vault through TokenizeBatch. Rows stream from the file into request messages;
/// answers are written to the mapping file as they arrive, so whatever stops the run (Ctrl+C, a kill, a lost
/// connection), a rerun sends only the lines the mapping does not name yet. Card numbers go from the file's bytes into
/// the request and are zeroed once sent; nothing printed or written names one.
/// </summary>
internal sealed class CardImporter(TokenService.TokenServiceClient client, ImportSettings settings, TextWriter output)
{
    /// <param name="stop">Stop sending; lines already sent are still answered and recorded.</param>
    /// <param name="abort">Give up at once (a second Ctrl+C).</param>
    /// <returns><see cref="ExitCodes.Ok"/> when every line is done, <see cref="ExitCodes.CheckFailed"/> when the vault
    /// refused the import, <see cref="ExitCodes.Unavailable"/> when it could not be reached or failed,
    /// <see cref="ExitCodes.Interrupted"/> when stopped.</returns>
    public async Task<int> RunAsync(CancellationToken stop, CancellationToken abort)
    {
        using var mapping = ImportMapping.Open(settings.MappingFile, settings.InputFile);
        // Lines of the file reached out of all of them, on standard error when it is a terminal; counts only, never input.
        using var progress = TerminalProgress.OnStandardError("import", "lines");
        progress.Report(0, CardFileReader.CountLines(settings.InputFile));
        var summary = new ImportSummary(mapping.Earlier);
        using var rows = new RowSource(CardFileReader.Read(settings.InputFile), mapping, settings.LineLimit);
        string ending;
        var exit = ExitCodes.Ok;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var first = NextMessage(rows, mapping, summary, settings.CardsPerCall);
                if (first.Count == 0) break;
                await RunCallAsync(first, rows, mapping, summary, progress, stop, abort);
            }
            ending = rows.Exhausted ? "complete"
                : stop.IsCancellationRequested ? "stopped; run the same command again to continue"
                : $"stopped after {settings.LineLimit} lines as asked; run the same command again to continue";
            if (!rows.Exhausted && stop.IsCancellationRequested) exit = ExitCodes.Interrupted;
        }
        catch (RpcException e)
        {
            ending = $"the vault ended the import: {e.StatusCode}: {e.Status.Detail}; run the same command again to continue";
            // A refusal (permission, bounds, a bad message) is the import's answer "no"; a vault that is down or broke
            // leaves the outcome of the lines in flight unknown, like any other command's failed call.
            exit = e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
                ? ExitCodes.Unavailable : ExitCodes.CheckFailed;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            ending = "aborted; run the same command again to continue";
            exit = ExitCodes.Interrupted;
        }
        mapping.Flush();
        progress.Dispose();
        summary.Print(output, settings.InputFile, settings.MappingFile, ending);
        return exit;
    }

    /// <summary>One call: up to CardsPerCall cards, in messages of CardsPerMessage, at most MessagesInFlight unanswered.</summary>
    private async Task RunCallAsync(List<CardRow> first, RowSource rows, ImportMapping mapping, ImportSummary summary,
        TerminalProgress progress, CancellationToken stop, CancellationToken abort)
    {
        using var call = client.TokenizeBatch(cancellationToken: abort);
        var unanswered = Channel.CreateBounded<long[]>(settings.MessagesInFlight);
        var receiving = ReceiveAsync(call.ResponseStream, unanswered.Reader, mapping, summary, progress, rows, abort);
        try
        {
            var batch = first;
            var cardsInCall = 0;
            while (batch.Count > 0)
            {
                await unanswered.Writer.WriteAsync(batch.Select(r => r.Line).ToArray(), abort);
                await SendAsync(call.RequestStream, batch);
                cardsInCall += batch.Count;
                if (stop.IsCancellationRequested || cardsInCall >= settings.CardsPerCall) break;
                batch = NextMessage(rows, mapping, summary, settings.CardsPerCall - cardsInCall);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && !abort.IsCancellationRequested)
        {
            // The vault ended the call while we were sending: its status arrives on the response stream.
        }
        finally
        {
            unanswered.Writer.TryComplete();
        }
        await receiving;
    }

    private static async Task SendAsync(IClientStreamWriter<TokenizeBatchRequest> requests, List<CardRow> batch)
    {
        var message = new TokenizeBatchRequest();
        try
        {
            foreach (var row in batch)
            {
                var item = new TokenizeRequest { Pan = ByteString.CopyFrom(row.Pan) };
                if (row.ExpMonth is { } m && row.ExpYear is { } y) item.Expiry = new CardExpiry { Month = m, Year = y };
                message.Items.Add(item);
            }
            await requests.WriteAsync(message);
        }
        finally
        {
            // Sent (serialized) or not, the card numbers are not needed again: a lost answer means a rerun reads the file.
            foreach (var item in message.Items) MemoryMarshal.AsMemory(item.Pan.Memory).Span.Clear();
            foreach (var row in batch) row.Wipe();
        }
    }

    private static async Task ReceiveAsync(IAsyncStreamReader<TokenizeBatchResponse> responses, ChannelReader<long[]> unanswered,
        ImportMapping mapping, ImportSummary summary, TerminalProgress progress, RowSource rows, CancellationToken abort)
    {
        while (await responses.MoveNext(abort))
        {
            var results = responses.Current.Results;
            var lines = await unanswered.ReadAsync(abort);
            if (results.Count != lines.Length)
                throw new RpcException(new Status(StatusCode.Internal, $"the vault answered {results.Count} cards for a message of {lines.Length}"));
            lock (mapping)
            {
                for (var i = 0; i < lines.Length; i++)
                {
                    var (outcome, token, reason) = Read(results[i]);
                    var recorded = mapping.Record(lines[i], token, outcome, reason);
                    summary.Add(lines[i], recorded.Outcome, recorded.Reason);
                }
                mapping.Flush();
            }
            progress.Report(rows.LinesPassed);
        }
    }

    private static (LineOutcome, string?, string) Read(TokenizeBatchResult result)
    {
        if (result.OutcomeCase == TokenizeBatchResult.OutcomeOneofCase.Error)
            return (LineOutcome.Rejected, null, string.Join("; ", result.Error.Violations.Select(v => v.Description)));
        var answer = result.Tokenized;
        // created_at is set only for a caller that may see the card's history (tokens.outcome): only then does
        // `created` say anything.
        var outcome = answer.Card.CreatedAt is null ? LineOutcome.Tokenized
            : answer.Created ? LineOutcome.Created : LineOutcome.Existing;
        return (outcome, answer.Card.Token, "");
    }

    /// <summary>The next cards to send; rows refused before sending are recorded on the way.</summary>
    private List<CardRow> NextMessage(RowSource rows, ImportMapping mapping, ImportSummary summary, int room)
    {
        var batch = new List<CardRow>(Math.Min(settings.CardsPerMessage, room));
        while (batch.Count < Math.Min(settings.CardsPerMessage, room) && rows.TryTake(out var row))
        {
            if (row.Problem is null)
            {
                batch.Add(row);
                continue;
            }
            lock (mapping)
            {
                var recorded = mapping.Record(row.Line, null, LineOutcome.Rejected, row.Problem);
                summary.Add(row.Line, recorded.Outcome, recorded.Reason);
            }
        }
        return batch;
    }

    /// <summary>The input's rows not yet in the mapping, up to the run's line limit.</summary>
    private sealed class RowSource(IEnumerable<CardRow> rows, ImportMapping mapping, long? limit) : IDisposable
    {
        private readonly IEnumerator<CardRow> _rows = rows.GetEnumerator();
        private long _taken;

        /// <summary>True once the whole file has been read (not merely the line limit reached).</summary>
        public bool Exhausted { get; private set; }

        /// <summary>The line number reached in the file, for the progress bar.</summary>
        public long LinesPassed { get; private set; }

        public bool TryTake(out CardRow row)
        {
            row = null!;
            if (limit is { } max && _taken >= max) return false;
            while (_rows.MoveNext())
            {
                LinesPassed = _rows.Current.Line;
                if (mapping.IsDone(_rows.Current.Line)) continue;
                _taken++;
                row = _rows.Current;
                return true;
            }
            Exhausted = true;
            return false;
        }

        public void Dispose() => _rows.Dispose();
    }
}
