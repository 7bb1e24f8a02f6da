using PayoutVault.Bank131;

using PayoutVault.Core.Webhooks;

namespace PayoutVault.Server.Webhooks;

/// <summary>The bank's public key, loaded once, plus what to do when a signature fails (audit hooks in here).</summary>
public sealed class Bank131WebhookVerifier(Bank131SignatureVerifier verifier) : IDisposable
{
    public Bank131SignatureVerifier Verifier => verifier;

    /// <summary>Runs for every rejected signature before the 401 goes out.</summary>
    public Func<HttpContext, CancellationToken, Task>? Rejected { get; set; }

    public Task OnRejectedAsync(HttpContext http, CancellationToken ct) => Rejected?.Invoke(http, ct) ?? Task.CompletedTask;

    public void Dispose() => verifier.Dispose();
}
