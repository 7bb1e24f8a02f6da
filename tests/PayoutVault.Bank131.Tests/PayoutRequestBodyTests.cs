using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PayoutVault.Bank131.Tests;

/// <summary>The init/payout body: FACTS.md section 3 shape, deterministic bytes, escaping, input checks.</summary>
public sealed class PayoutRequestBodyTests
{
    [Fact]
    public void Body_has_exactly_the_FACTS_section_3_shape_and_bytes()
    {
        using var body = PayoutRequestBody.Write(
            TestCards.Bytes(TestCards.Visa),
            new PayoutRecipient("Ivanov Ivan", null, null, null),
            10000,
            "RUB",
            "pay_1",
            new Dictionary<string, string> { ["order"] = "42", ["customer"] = "c-7" });

        const string expected =
            """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"Ivanov Ivan"}},"amount_details":{"amount":10000,"currency":"rub"},"metadata":{"payout_id":"pay_1","reference":{"customer":"c-7","order":"42"}}}""";

        Assert.Equal(expected, Encoding.UTF8.GetString(body.Span));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(body.Span)));
    }

    [Fact]
    public void Only_non_empty_recipient_fields_are_written()
    {
        using var body = PayoutRequestBody.Write(
            TestCards.Bytes(TestCards.Mir), new PayoutRecipient(null, "Ivan", "Ivanov", ""), 1, "rub", "pay_2",
            new Dictionary<string, string>());
        using var doc = JsonDocument.Parse(body.Memory);
        var recipient = doc.RootElement.GetProperty("participant_details").GetProperty("recipient");
        Assert.Equal(["first_name", "last_name"], recipient.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("{}", doc.RootElement.GetProperty("metadata").GetProperty("reference").GetRawText());
    }

    [Fact]
    public void Quotes_backslashes_controls_and_Cyrillic_round_trip_and_letters_stay_UTF8()
    {
        var name = "Иванов \"Ваня\" \\ Иван\n<O'Brien> Ёлкина";
        using var body = PayoutRequestBody.Write(
            TestCards.Bytes(TestCards.Visa), new PayoutRecipient(name, null, null, null), 500, "rub", "pay_3",
            new Dictionary<string, string> { ["note"] = "скидка \"10%\"" });

        var text = Encoding.UTF8.GetString(body.Span);
        Assert.Contains("Иванов", text, StringComparison.Ordinal); // not \u0418...
        Assert.Contains("Ёлкина", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", text, StringComparison.Ordinal); // the newline is escaped

        using var doc = JsonDocument.Parse(body.Memory);
        Assert.Equal(name, doc.RootElement.GetProperty("participant_details").GetProperty("recipient").GetProperty("full_name").GetString());
        Assert.Equal("скидка \"10%\"", doc.RootElement.GetProperty("metadata").GetProperty("reference").GetProperty("note").GetString());
    }

    [Fact]
    public void The_same_request_always_gives_the_same_bytes()
    {
        var reference1 = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        var reference2 = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        using var first = PayoutRequestBody.Write(TestCards.Bytes(TestCards.Visa2), TestPayouts.Ivanov, 7, "eur", "p", reference1);
        using var second = PayoutRequestBody.Write(TestCards.Bytes(TestCards.Visa2), TestPayouts.Ivanov, 7, "EUR", "p", reference2);
        Assert.True(first.Span.SequenceEqual(second.Span));
    }

    public static TheoryData<string, long, PayoutRecipient, string> BadInputs => new()
    {
        { "4242", 100, TestPayouts.Ivanov, "rub" },
        { "4242 4242 4242 4242", 100, TestPayouts.Ivanov, "rub" },
        { TestCards.Visa[..10], 100, TestPayouts.Ivanov, "rub" },
        { TestCards.Visa, 0, TestPayouts.Ivanov, "rub" },
        { TestCards.Visa, -5, TestPayouts.Ivanov, "rub" },
        { TestCards.Visa, 100, new PayoutRecipient(null, "Ivan", null, null), "rub" },
        { TestCards.Visa, 100, new PayoutRecipient(" ", null, null, null), "rub" },
        { TestCards.Visa, 100, TestPayouts.Ivanov, "r1b" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_refused_with_a_message_that_never_quotes_the_card(string pan, long amount, PayoutRecipient recipient, string currency)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() =>
            PayoutRequestBody.Write(Encoding.ASCII.GetBytes(pan), recipient, amount, currency, "pay_x", new Dictionary<string, string>()));
        TestCards.AssertNoPan(ex.ToString());
    }
}
