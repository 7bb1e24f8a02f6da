using PayoutVault.Core.Payouts;

namespace PayoutVault.UnitTests.Payouts;

/// <summary>The one rule that moves a payout between states: forward only, terminal states final.</summary>
public sealed class PayoutStateMoveTests
{
    [Theory]
    [InlineData(PayoutState.Created, PayoutState.Submitted)]
    [InlineData(PayoutState.Created, PayoutState.Failed)]
    [InlineData(PayoutState.Submitted, PayoutState.Unknown)]
    [InlineData(PayoutState.Submitted, PayoutState.InProgress)]
    [InlineData(PayoutState.Submitted, PayoutState.Succeeded)]
    [InlineData(PayoutState.Unknown, PayoutState.InProgress)]
    [InlineData(PayoutState.Unknown, PayoutState.Failed)]
    [InlineData(PayoutState.InProgress, PayoutState.Succeeded)]
    public void Forward_moves_are_allowed(PayoutState current, PayoutState next) =>
        Assert.True(PayoutStates.CanMove(current, next));

    [Theory]
    [InlineData(PayoutState.Created, PayoutState.Created)]
    [InlineData(PayoutState.Submitted, PayoutState.Created)]
    [InlineData(PayoutState.Unknown, PayoutState.Submitted)]
    [InlineData(PayoutState.InProgress, PayoutState.Unknown)]
    [InlineData(PayoutState.InProgress, PayoutState.InProgress)]
    public void Backward_and_repeated_moves_are_refused(PayoutState current, PayoutState next) =>
        Assert.False(PayoutStates.CanMove(current, next));

    [Fact]
    public void Terminal_states_are_final()
    {
        foreach (var terminal in new[] { PayoutState.Succeeded, PayoutState.Failed })
            foreach (var next in Enum.GetValues<PayoutState>())
                Assert.False(PayoutStates.CanMove(terminal, next));
    }

    [Fact]
    public void Database_names_round_trip_and_the_open_list_names_every_open_state()
    {
        foreach (var state in Enum.GetValues<PayoutState>())
        {
            Assert.Equal(state, PayoutStates.FromDb(state.ToDb()));
            Assert.Equal(!state.IsTerminal(), PayoutStates.OpenSqlList.Contains($"'{state.ToDb()}'", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("succeeded", PayoutState.Succeeded)]
    [InlineData("failed", PayoutState.Failed)]
    [InlineData("in_progress", PayoutState.InProgress)]
    [InlineData("pending", null)]
    [InlineData(null, null)]
    public void Bank_statuses_map_to_vault_states(string? status, PayoutState? expected) =>
        Assert.Equal(expected, PayoutStates.FromBank(status));
}
