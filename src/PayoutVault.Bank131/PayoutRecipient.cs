namespace PayoutVault.Bank131;

/// <summary>
/// <c>participant_details.recipient</c> of a card payout. The bank needs <see cref="FullName"/>, or both
/// <see cref="FirstName"/> and <see cref="LastName"/>; empty fields are left out of the body, as the bank's SDK does.
/// </summary>
public sealed record PayoutRecipient(string? FullName, string? FirstName, string? LastName, string? MiddleName)
{
    /// <summary>True when the bank's minimum (full name, or first and last name) is present.</summary>
    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(FullName) || (!string.IsNullOrWhiteSpace(FirstName) && !string.IsNullOrWhiteSpace(LastName));
}
