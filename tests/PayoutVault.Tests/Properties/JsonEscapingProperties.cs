using System.Text;
using System.Text.Json;
using CsCheck;
using PayoutVault.Bank131;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Properties;

/// <summary>
/// The bank body writer (PayoutRequestBody with Bank131JsonEncoding): whatever strings a caller puts in the recipient
/// and the metadata (quotes, backslashes, control characters, line separators, any script, characters outside the
/// BMP), the body is valid JSON that System.Text.Json parses back to exactly those strings, and nothing else moves.
/// </summary>
public sealed class JsonEscapingProperties
{
    private static readonly Gen<Dictionary<string, string>> Metadata =
        Gen.Select(CardGens.AnyText, CardGens.AnyText).Array[0, 6]
            .Select(pairs => pairs.GroupBy(p => p.Item1, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Item2, StringComparer.Ordinal));

    [Fact]
    public void AnyRecipientAndMetadataStrings_RoundTripThroughSystemTextJson()
    {
        var gen = from pan in CardGens.LuhnValid
                  from fullName in CardGens.AnyText
                  from first in CardGens.AnyText
                  from last in CardGens.AnyText
                  from middle in CardGens.AnyText
                  from metadata in Metadata
                  from amount in Gen.Long[1, long.MaxValue]
                  select (pan, recipient: new PayoutRecipient("N" + fullName, first, last, middle), metadata, amount);

        gen.Sample((pan, recipient, metadata, amount) =>
        {
            using var body = PayoutRequestBody.Write(TestCards.Ascii(pan), recipient, amount, "RUB", "pay_test", metadata);
            using var json = JsonDocument.Parse(body.Span.ToArray());
            var root = json.RootElement;

            Assert.Equal(pan, root.GetProperty("payment_method").GetProperty("card").GetProperty("bank_card").GetProperty("number").GetString());
            var to = root.GetProperty("participant_details").GetProperty("recipient");
            Assert.Equal(recipient.FullName, to.GetProperty("full_name").GetString());
            AssertWrittenIfPresent(to, "first_name", recipient.FirstName);
            AssertWrittenIfPresent(to, "last_name", recipient.LastName);
            AssertWrittenIfPresent(to, "middle_name", recipient.MiddleName);
            Assert.Equal(amount, root.GetProperty("amount_details").GetProperty("amount").GetInt64());
            Assert.Equal("rub", root.GetProperty("amount_details").GetProperty("currency").GetString());
            Assert.Equal("pay_test", root.GetProperty("metadata").GetProperty("payout_id").GetString());
            var reference = root.GetProperty("metadata").GetProperty("reference").EnumerateObject()
                .Select(p => (p.Name, Value: p.Value.GetString()!)).ToList();
            Assert.Equal(metadata.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)), reference);
        }, iter: 2_000);
    }

    [Fact]
    public void LettersOfAnyScript_AreWrittenAsPlainUtf8_NotEscaped()
    {
        var letters = Gen.OneOf(Gen.Char['a', 'z'], Gen.Char['A', 'Z'], Gen.Char['а', 'я'], Gen.Char['А', 'Я'], Gen.Const('ё'),
            Gen.Char['α', 'ω'], Gen.Char['\u4e00', '\u4e50']).Array[1, 20].Select(c => new string(c));
        letters.Sample(name =>
        {
            using var body = PayoutRequestBody.Write(TestCards.Ascii(TestCards.Visa), new PayoutRecipient(name, null, null, null),
                100, "rub", "pay_test", new Dictionary<string, string>());
            return body.Span.IndexOf(Encoding.UTF8.GetBytes("\"full_name\":\"" + name + "\"")) >= 0;
        }, iter: 5_000);
    }

    [Fact]
    public void TheSameRequest_AlwaysGivesTheSameBytes_WhateverTheMetadataOrder()
    {
        Metadata.Sample(metadata =>
        {
            var reversed = metadata.Reverse().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var recipient = new PayoutRecipient("Ivanov Ivan", null, null, null);
            using var a = PayoutRequestBody.Write(TestCards.Ascii(TestCards.Visa), recipient, 100, "rub", "pay_test", metadata);
            using var b = PayoutRequestBody.Write(TestCards.Ascii(TestCards.Visa), recipient, 100, "rub", "pay_test", reversed);
            return a.Span.SequenceEqual(b.Span);
        }, iter: 2_000);
    }

    private static void AssertWrittenIfPresent(JsonElement recipient, string name, string? value)
    {
        if (string.IsNullOrEmpty(value)) Assert.False(recipient.TryGetProperty(name, out _), $"{name} written though empty");
        else Assert.Equal(value, recipient.GetProperty(name).GetString());
    }
}
