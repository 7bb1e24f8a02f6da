using PayoutVault.Core.Payouts;

namespace PayoutVault.Server.Grpc;

/// <summary>The payout state on the wire: the contract's enum, mapped both ways.</summary>
public static class PayoutStateMapping
{
    extension(PayoutState s)
    {
        public Contracts.V1.PayoutState ToProto() => s switch
        {
            PayoutState.Created => Contracts.V1.PayoutState.Created,
            PayoutState.Submitted => Contracts.V1.PayoutState.Submitted,
            PayoutState.Unknown => Contracts.V1.PayoutState.Unknown,
            PayoutState.InProgress => Contracts.V1.PayoutState.InProgress,
            PayoutState.Succeeded => Contracts.V1.PayoutState.Succeeded,
            PayoutState.Failed => Contracts.V1.PayoutState.Failed,
            _ => Contracts.V1.PayoutState.Unspecified,
        };
    }

    extension(PayoutStates)
    {
        public static PayoutState? FromProto(Contracts.V1.PayoutState s) => s switch
        {
            Contracts.V1.PayoutState.Created => PayoutState.Created,
            Contracts.V1.PayoutState.Submitted => PayoutState.Submitted,
            Contracts.V1.PayoutState.Unknown => PayoutState.Unknown,
            Contracts.V1.PayoutState.InProgress => PayoutState.InProgress,
            Contracts.V1.PayoutState.Succeeded => PayoutState.Succeeded,
            Contracts.V1.PayoutState.Failed => PayoutState.Failed,
            _ => null,
        };
    }
}
