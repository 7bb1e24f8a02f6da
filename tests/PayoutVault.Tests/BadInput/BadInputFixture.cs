using PayoutVault.Contracts.V1;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// One vault for the whole bad-input suite, on its production footing: mutual TLS gRPC with named callers, the
/// HTTP/1.1 webhook listener verifying the bank's signature, and the Bank 131 sandbox. The sandbox sends no
/// webhooks and the vault does not reconcile within the run, so every row that appears comes from a request the
/// suite made. Arranged once: a live token, a deleted token, one payout per payout caller, and a subscriber that
/// records every payout event (the stream the suite scans for card numbers at the end).
/// </summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public const string CardCollector = "card-collector";
    public const string PayoutCaller = "payout-service";
    public const string OtherService = "other-service";
    public const string KeyAdmin = "key-admin";
    public const string Watcher = "watcher";
    public const string CaptureBackend = "capture-backend";
    /// <summary>Has a certificate from the vault's CA and no permission at all.</summary>
    public const string Nobody = "nobody";

    public static readonly IReadOnlyDictionary<string, string[]> Callers = new Dictionary<string, string[]>
    {
        [CardCollector] = [Permissions.TokensWrite, Permissions.TokensRead, Permissions.TokensDelete],
        [PayoutCaller] = [Permissions.PayoutsCreate, Permissions.PayoutsRead, Permissions.PayoutsWatch, Permissions.TokensRead],
        [OtherService] = [Permissions.PayoutsCreate, Permissions.PayoutsRead, Permissions.PayoutsWatch],
        [KeyAdmin] = [Permissions.KeysAdmin],
        [Watcher] = [Permissions.PayoutsWatch, Permissions.PayoutsWatchAll],
        [CaptureBackend] = [Permissions.CaptureCreate, Permissions.CaptureRead],
    };

    private CertVault? _vault;

    public CertVault Vault => _vault ?? throw new InvalidOperationException("The fixture is not initialised.");

    public PayoutEnvironment Env => Vault.Payouts;

    public string ConnectionString => Vault.ConnectionString;

    public WebhookPoster Poster { get; private set; } = null!;

    /// <summary>A live token (the Visa test card).</summary>
    public string Token { get; private set; } = "";

    /// <summary>A token that was deleted (the Mastercard test card).</summary>
    public string DeletedToken { get; private set; } = "";

    /// <summary>A payout of <see cref="PayoutCaller"/>, IN_PROGRESS at the bank.</summary>
    public Payout OwnPayout { get; private set; } = null!;

    /// <summary>A payout of <see cref="OtherService"/>: NOT_FOUND for <see cref="PayoutCaller"/>.</summary>
    public Payout OthersPayout { get; private set; } = null!;

    /// <summary>Every payout event, from cursor 0, as a watch_all subscriber sees them.</summary>
    public StreamRecorder Stream { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _vault = await CertVault.StartAsync(Callers, payouts: true, settings: WebhookTestKit.QuietSettings(),
            sandbox: o => o.WebhookUrl = "");
        Poster = new WebhookPoster(Env);
        var tokens = Vault.Tokens(CardCollector);
        Token = (await tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        DeletedToken = (await tokens.TokenizeAsync(TestCards.Mastercard)).Card.Token;
        await tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = DeletedToken });
        OwnPayout = await Vault.PayoutClient(PayoutCaller).CreatePayoutAsync(PayoutEnvironment.Request(Token));
        OthersPayout = await Vault.PayoutClient(OtherService).CreatePayoutAsync(PayoutEnvironment.Request(Token));
        Stream = StreamRecorder.Watch(Vault.PayoutClient(Watcher), name: "watch_all subscriber");
        var events = await Db.CountAsync(ConnectionString, "payout_events");
        await Stream.WaitForCountAsync((int)events, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        if (Stream is not null) await Stream.DisposeAsync();
        Poster?.Dispose();
        if (_vault is not null) await _vault.DisposeAsync();
    }
}
