using Grpc.Core;
using Microsoft.Extensions.Options;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// Closes the card-presence oracle (issue 9, item 9). A caller that may submit card numbers (tokens.write) could
/// otherwise learn whether the vault already held a number: Tokenize's <c>created</c> flag, the card's
/// <c>created_at</c> and <c>last_used_at</c>, and a stored expiry it did not send all tell "someone tokenized this
/// before". Unless the caller also holds tokens.outcome, such a caller sees none of them: <c>created</c> is always
/// false (on the wire: absent), and the card carries only the token and what the submitted number itself shows (BIN
/// under the display rule, last 4, brand). Callers that cannot submit numbers (tokens.read alone: payout services,
/// auditors) see GetToken in full, since without submitting a number there is nothing to probe.
/// </summary>
public sealed class TokenHistoryVisibility(IOptionsMonitor<AccessOptions> access)
{
    public bool SeesHistory(ServerCallContext context)
    {
        var caller = CallerIdentity.Of(context);
        var callers = access.CurrentValue;
        return callers.Holds(caller, Permissions.TokensOutcome) || !callers.Holds(caller, Permissions.TokensWrite);
    }

    /// <summary>Strips what only history could tell, for a caller that may not see it.</summary>
    public static CardToken WithoutHistory(CardToken card)
    {
        card.CreatedAt = null;
        card.LastUsedAt = null;
        card.Expiry = null;
        return card;
    }
}
