using CsCheck;
using PayoutVault.Core.Payouts;
using PayoutVault.Server.Grpc;

namespace PayoutVault.Tests.Properties;

/// <summary>
/// The payout state machine (PayoutStates.CanMove): moves go forward only, created -> submitted -> unknown ->
/// in_progress -> succeeded | failed, any step may be skipped, and a final state never changes. So however late,
/// duplicated or reordered the news, a payout ends in the first final state it hears of.
/// </summary>
public sealed class PayoutStateMachineProperties
{
    private static int Rank(PayoutState s) => s switch
    {
        PayoutState.Created => 0,
        PayoutState.Submitted => 1,
        PayoutState.Unknown => 2,
        PayoutState.InProgress => 3,
        _ => 4, // succeeded, failed
    };

    private static readonly Gen<PayoutState> States = Gen.Enum<PayoutState>();

    [Fact]
    public void AMoveIsAllowed_ExactlyWhenItGoesForward()
    {
        Gen.Select(States, States).Sample((from, to) => PayoutStates.CanMove(from, to) == Rank(to) > Rank(from), iter: 1_000);
    }

    [Fact]
    public void AnySequenceOfNews_MovesForwardOnly_AndEndsInTheFirstFinalStateHeard()
    {
        Gen.Select(States, States.Array[0, 30]).Sample((start, news) =>
        {
            var state = start;
            var moves = 0;
            foreach (var next in news)
            {
                if (!PayoutStates.CanMove(state, next)) continue;
                Assert.True(Rank(next) > Rank(state), $"{state} -> {next} goes backwards");
                state = next;
                moves++;
            }
            Assert.True(moves <= 4, "more moves than there are steps forward");
            if (start.IsTerminal()) Assert.Equal(start, state);
            else if (news.FirstOrDefault(s => s.IsTerminal()) is var first && news.Any(s => s.IsTerminal())) Assert.Equal(first, state);
            else Assert.False(state.IsTerminal());
        }, iter: 20_000);
    }

    [Fact]
    public void EveryState_RoundTripsThroughTheDatabaseAndTheContract_AndIsOpenExactlyWhenNotFinal()
    {
        States.Sample(s =>
            PayoutStates.FromDb(s.ToDb()) == s
            && PayoutStates.FromProto(s.ToProto()) == s
            && PayoutStates.OpenSqlList.Contains($"'{s.ToDb()}'", StringComparison.Ordinal) == !s.IsTerminal(), iter: 200);
    }

    [Fact]
    public void OnlyTheBanksThreeMeaningfulStatuses_MapToAState()
    {
        Gen.OneOf(Gen.String, Gen.OneOf("succeeded", "failed", "in_progress", "pending", "Succeeded", "")).Sample(status =>
            PayoutStates.FromBank(status) == status switch
            {
                "succeeded" => PayoutState.Succeeded,
                "failed" => PayoutState.Failed,
                "in_progress" => PayoutState.InProgress,
                _ => (PayoutState?)null,
            }, iter: 5_000);
    }
}
