using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Storage;

/// <summary>
/// Invariant 2 at rest (PCI DSS 3.3.1): after every migration, no column anywhere in the vault's schema is named for
/// a CVV/CVC, track data or PIN. The proto side is guarded by ProtoCardDataGuardTests.
/// </summary>
public sealed class NoSensitiveAuthenticationDataColumnsTests
{
    [Fact]
    public async Task MigratedSchema_HasNoColumnForCvvTrackDataOrPin()
    {
        await using var server = await VaultServer.StartAsync();
        var offending = await Db.ScalarAsync<string>(server.ConnectionString, """
            SELECT string_agg(table_name || '.' || column_name, ', ')
            FROM information_schema.columns
            WHERE table_schema = 'public'
              AND column_name ~* '(cvv|cvc|cvn|cid|security_code|track|pin_?block|(^|_)pin($|_)|magstripe)'
            """);
        Assert.True(offending is null, "columns that could hold sensitive authentication data: " + offending);
        // The query really saw the schema: the vault's tables are there.
        Assert.True(await Db.ScalarAsync<long>(server.ConnectionString,
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'") > 20);
    }
}
