using System.Text;
using Net.Pkcs11Interop.Common;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Keys.Hsm;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;
using PayoutVault.Tests.Rotation;

namespace PayoutVault.Tests.Keys.Hsm;

/// <summary>
/// PCI DSS 3.5.1.2, 3.6.1.2: the master key in a secure cryptographic device. The vault runs on a key generated in a
/// SoftHSM2 token by `vaultctl keys hsm-init`, wraps its data keys through the token, and refuses to start on a wrong
/// PIN, a missing token or key, a key whose attributes would let it leave the token, or a different key under the
/// registered label (audited, like a wrong key file).
/// </summary>
[Collection(SoftHsmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HsmMasterKeyTests
{
    [Fact]
    public async Task HsmKey_TokenizeAndPayOut_Restart_ReadsTheSameCards()
    {
        var token = SoftHsm.CreateToken();
        var (label, checkValue) = await HsmKit.InitKeyAsync(token);
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = token.VaultSettings(label) });

        var master = env.Vault.GetRequiredService<IMasterKey>();
        Assert.IsType<Pkcs11MasterKey>(master);
        Assert.Equal((label, checkValue), (master.Id, master.CheckValue));
        Assert.Equal(checkValue, await Db.ScalarAsync<string>(env.Vault.ConnectionString,
            "SELECT check_value FROM master_keys WHERE key_id = @k AND state = 'active'", ("k", label)));
        Assert.Equal(0, await Db.CountAsync(env.Vault.ConnectionString, "key_versions", "master_key_id <> @k", ("k", label)));

        var cards = await RotationKit.SeedAsync(env.Vault, RotationKit.TestPans);
        var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(cards.Keys.First()));
        Assert.Equal(PayoutState.Succeeded, (await env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded)).State);

        await env.Vault.RestartAsync();
        await RotationKit.AssertEveryTokenOpensAsync(env.Vault, cards);
        var again = await env.Tokens.TokenizeAsync(new TokenizeRequest { Pan = Google.Protobuf.ByteString.CopyFromUtf8(TestCards.Visa) });
        Assert.False(again.Created);
        var second = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(cards.Keys.Last()));
        Assert.Equal(PayoutState.Succeeded, (await env.WaitForAsync(second.PayoutId, p => p.State == PayoutState.Succeeded)).State);
        Assert.Contains(env.Vault.Logs.Entries, e => e.EventId.Id == 2100);
    }

    [Fact]
    public async Task HsmKey_ValueCannotBeReadOrWrappedOut_EvenWithTheUserPin()
    {
        var token = SoftHsm.CreateToken();
        var (label, _) = await HsmKit.InitKeyAsync(token);

        SoftHsmSession.Run(token, (session, f) =>
        {
            var key = Assert.Single(session.FindAllObjects([f.ObjectAttributeFactory.Create(CKA.CKA_LABEL, label)]));
            var values = session.GetAttributeValue(key, [CKA.CKA_VALUE, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE]);
            Assert.True(values[0].CannotBeRead, "CKA_VALUE of the master key was readable");
            Assert.True(values[1].GetValueAsBool());
            Assert.False(values[2].GetValueAsBool());
            Assert.True(values[3].GetValueAsBool());

            // Wrapping it out under a key the caller controls is refused by the token too.
            using var gen = f.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            var wrapping = session.GenerateKey(gen, [
                f.ObjectAttributeFactory.Create(CKA.CKA_VALUE_LEN, 32UL), f.ObjectAttributeFactory.Create(CKA.CKA_TOKEN, false),
                f.ObjectAttributeFactory.Create(CKA.CKA_WRAP, true)]);
            using var kwp = f.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
            var refused = Assert.Throws<Pkcs11Exception>(() => session.WrapKey(kwp, wrapping, key));
            Assert.Equal(CKR.CKR_KEY_UNEXTRACTABLE, refused.RV);
            return 0;
        });
    }

    [Fact]
    public async Task Start_WithWrongPin_MissingTokenOrKey_OrAKeyThatCouldLeaveTheToken_IsRefusedNamingTheProblem()
    {
        await using var database = await TestDatabase.CreateAsync();
        var token = SoftHsm.CreateToken();
        var (label, _) = await HsmKit.InitKeyAsync(token);
        SoftHsmSession.CreateKey(token, "extractable", CKM.CKM_AES_KEY_GEN, (CKA.CKA_EXTRACTABLE, true));
        SoftHsmSession.CreateKey(token, "not-sensitive", CKM.CKM_AES_KEY_GEN, (CKA.CKA_SENSITIVE, false));
        SoftHsmSession.CreateKey(token, "aes-128", CKM.CKM_AES_KEY_GEN, (CKA.CKA_VALUE_LEN, 16UL));
        SoftHsmSession.CreateKey(token, "generic-secret", CKM.CKM_GENERIC_SECRET_KEY_GEN, (CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET));

        async Task<string> RefusalAsync(Dictionary<string, string> settings) =>
            HsmKit.KeyError(await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Database = database, Settings = settings })).Message;

        var wrongPin = token.VaultSettings(label);
        var wrongPinFile = Path.Combine(Path.GetDirectoryName(token.PinFile)!, token.Label + ".wrong.pin");
        File.WriteAllText(wrongPinFile, "999999\n");
        File.SetUnixFileMode(wrongPinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        wrongPin["Vault:Keys:Pkcs11:PinFile"] = wrongPinFile;
        var message = await RefusalAsync(wrongPin);
        Assert.Contains("refused the user PIN", message, StringComparison.Ordinal);
        Assert.Contains("CKR_PIN_INCORRECT", message, StringComparison.Ordinal);

        File.SetUnixFileMode(wrongPinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains("0600", await RefusalAsync(wrongPin), StringComparison.Ordinal);

        var absentToken = token.VaultSettings(label);
        absentToken["Vault:Keys:Pkcs11:TokenLabel"] = "no-such-token";
        Assert.Contains("has no token labelled 'no-such-token'", await RefusalAsync(absentToken), StringComparison.Ordinal);

        Assert.Contains("holds no key labelled 'mk-absent'", await RefusalAsync(token.VaultSettings("mk-absent")), StringComparison.Ordinal);
        Assert.Contains("it is extractable", await RefusalAsync(token.VaultSettings("extractable")), StringComparison.Ordinal);
        Assert.Contains("it is not sensitive", await RefusalAsync(token.VaultSettings("not-sensitive")), StringComparison.Ordinal);
        Assert.Contains("not a 256-bit key", await RefusalAsync(token.VaultSettings("aes-128")), StringComparison.Ordinal);
        Assert.Contains("not AES", await RefusalAsync(token.VaultSettings("generic-secret")), StringComparison.Ordinal);

        // None of these got as far as registering a master key.
        Assert.Equal(0, await Db.CountAsync(database.ConnectionString, "master_keys"));
        Assert.Equal(0, await Db.CountAsync(database.ConnectionString, "key_versions"));

        // The right settings start.
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Database = database, Settings = token.VaultSettings(label) });
        Assert.Equal(label, vault.GetRequiredService<IMasterKey>().Id);
    }

    [Fact]
    public async Task Start_WithAnotherTokensKeyUnderTheRegisteredLabel_IsRefusedOnTheCheckValue_AndAudited()
    {
        var first = SoftHsm.CreateToken();
        var (label, checkValue) = await HsmKit.InitKeyAsync(first);
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = first.VaultSettings(label) });
        var card = (await vault.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        await vault.StopAsync();

        var second = SoftHsm.CreateToken();
        var (sameLabel, otherCheckValue) = await HsmKit.InitKeyAsync(second, label);
        Assert.Equal(label, sameLabel);
        Assert.NotEqual(checkValue, otherCheckValue);

        var error = HsmKit.KeyError(await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Database = vault.Database, Settings = second.VaultSettings(label),
        }));
        Assert.Contains("check value", error.Message, StringComparison.Ordinal);
        Assert.Contains(checkValue, error.Message, StringComparison.Ordinal);
        var refused = Assert.Single(await AuditRows.ReadAsync(vault.ConnectionString,
            "action = @a AND object_id = @k AND outcome = 'refused'", ("a", AuditActions.KeyMasterRefused), ("k", label)));
        Assert.Contains(otherCheckValue, refused.Detail ?? "", StringComparison.Ordinal);

        // The registered key still opens the card.
        await vault.RestartAsync();
        var (_, pan) = await vault.GetRequiredService<TokenVault>().OpenAsync(card, CancellationToken.None);
        using (pan) Assert.Equal(TestCards.Visa, Encoding.ASCII.GetString(pan.Span));
    }
}
