using System.Security.Cryptography;
using System.Text;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>
/// Invariant 3: ciphertext is authenticated and bound to its token and data-key version. Rows are tampered with in
/// SQL, as an attacker with database access would, and decryption must fail rather than return wrong digits.
/// </summary>
public sealed class CiphertextTamperTests : VaultTestBase
{
    private TokenVault Vault => Server.GetRequiredService<TokenVault>();

    private async Task<string> TokenizeAsync(string pan) => (await Server.Tokens.TokenizeAsync(pan)).Card.Token;

    private async Task AssertOpensAsync(string token, string expected)
    {
        var (_, pan) = await Vault.OpenAsync(token, CancellationToken.None);
        using (pan) Assert.Equal(expected, Encoding.ASCII.GetString(pan.Span));
    }

    [Theory]
    [InlineData("nonce")]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    public async Task OpenAsync_OneByteOfCiphertextFlipped_ThrowsDataLoss(string part)
    {
        // Stored layout: 12-byte nonce || ciphertext || 16-byte tag.
        var offsetSql = part switch { "nonce" => "0", "ciphertext" => "14", _ => "length(pan_ciphertext) - 1" };
        var token = await TokenizeAsync(TestCards.Visa);
        await AssertOpensAsync(token, TestCards.Visa);

        var changed = await Db.ExecuteAsync(Server.ConnectionString,
            $"UPDATE cards SET pan_ciphertext = set_byte(pan_ciphertext, {offsetSql}, get_byte(pan_ciphertext, {offsetSql}) # 1) WHERE token = @t",
            ("t", token));

        Assert.Equal(1, changed);
        var ex = await Assert.ThrowsAsync<DataLossException>(() => Vault.OpenAsync(token, CancellationToken.None));
        Assert.DoesNotContain(TestCards.Visa, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_CiphertextTruncated_ThrowsDataLoss()
    {
        var token = await TokenizeAsync(TestCards.Visa);

        await Db.ExecuteAsync(Server.ConnectionString,
            "UPDATE cards SET pan_ciphertext = substring(pan_ciphertext from 1 for length(pan_ciphertext) - 1) WHERE token = @t",
            ("t", token));

        await Assert.ThrowsAsync<DataLossException>(() => Vault.OpenAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task OpenAsync_CiphertextCopiedFromAnotherTokensRow_ThrowsDataLoss()
    {
        var source = await TokenizeAsync(TestCards.Visa);
        var target = await TokenizeAsync(TestCards.Visa2);

        var changed = await Db.ExecuteAsync(Server.ConnectionString,
            "UPDATE cards SET pan_ciphertext = (SELECT pan_ciphertext FROM cards WHERE token = @s) WHERE token = @t",
            ("s", source), ("t", target));

        Assert.Equal(1, changed);
        await Assert.ThrowsAsync<DataLossException>(() => Vault.OpenAsync(target, CancellationToken.None));
        await AssertOpensAsync(source, TestCards.Visa);
    }

    [Fact]
    public async Task OpenAsync_DataKeyVersionChangedToAnUnknownVersion_ThrowsDataLoss()
    {
        var token = await TokenizeAsync(TestCards.Mastercard);

        await Db.ExecuteAsync(Server.ConnectionString, "UPDATE cards SET data_key_version = 99 WHERE token = @t", ("t", token));

        await Assert.ThrowsAsync<DataLossException>(() => Vault.OpenAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task OpenAsync_DataKeyVersionRelabelledToAnotherLoadedKey_ThrowsDataLoss()
    {
        var token = await TokenizeAsync(TestCards.Mastercard);
        // A second, retired data key version, wrapped by the real master key, loaded into the key ring.
        var master = Server.GetRequiredService<MasterKey>();
        var material = RandomNumberGenerator.GetBytes(32);
        await Db.ExecuteAsync(Server.ConnectionString, """
            INSERT INTO key_versions (purpose, version, wrapped_key, master_key_id, state, retired_at)
            VALUES ('data', 2, @w, @m, 'retired', now())
            """, ("w", master.Wrap(material, KeyStore.WrapContext(KeyPurpose.Data, 2, master.Id))), ("m", master.Id));
        var ring = Server.GetRequiredService<KeyRing>();
        await ring.RefreshAsync(CancellationToken.None);
        Assert.Contains(2, ring.Versions(KeyPurpose.Data));

        await Db.ExecuteAsync(Server.ConnectionString, "UPDATE cards SET data_key_version = 2 WHERE token = @t", ("t", token));
        await Assert.ThrowsAsync<DataLossException>(() => Vault.OpenAsync(token, CancellationToken.None));

        await Db.ExecuteAsync(Server.ConnectionString, "UPDATE cards SET data_key_version = 1 WHERE token = @t", ("t", token));
        await AssertOpensAsync(token, TestCards.Mastercard);
    }
}
