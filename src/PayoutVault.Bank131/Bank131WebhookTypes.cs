namespace PayoutVault.Bank131;

/// <summary>Webhook <c>type</c> values (SDK <c>WebHookTypeEnum</c>).</summary>
public static class Bank131WebhookTypes
{
    public const string ReadyToConfirm = "ready_to_confirm";
    public const string ReadyToCapture = "ready_to_capture";
    public const string ActionRequired = "action_required";

    /// <summary>The only type a single-request payout receives.</summary>
    public const string PaymentFinished = "payment_finished";

    public const string PaymentRefunded = "payment_refunded";
}
