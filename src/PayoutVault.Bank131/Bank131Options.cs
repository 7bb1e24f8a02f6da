namespace PayoutVault.Bank131;

/// <summary>Where and as whom <see cref="Bank131Client"/> talks to the bank.</summary>
public sealed class Bank131Options
{
    /// <summary>Scheme and host, e.g. <c>https://demo.bank131.ru</c>, <c>https://proxy.bank131.ru</c> or the
    /// sandbox's loopback address; the client appends <c>/api/v1/...</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Sent as <c>X-PARTNER-PROJECT</c>.</summary>
    public string ProjectId { get; set; } = "";

    /// <summary>Per request, covering the send and reading the response. On expiry the outcome is unknown.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Responses larger than this are not read and count as unparseable.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}
