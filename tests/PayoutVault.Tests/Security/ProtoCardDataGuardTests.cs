using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;

namespace PayoutVault.Tests.Security;

/// <summary>
/// The contract cannot carry what must never cross the boundary (invariants 1 and 2, PCI DSS 3.3.1, 3.4.1): no
/// response or stream message, at any depth, has a field that could hold a card number, CVV, track data or PIN;
/// no request has a field for CVV, track data or PIN; and the only card-number field anywhere is TokenizeRequest.pan.
/// </summary>
public sealed partial class ProtoCardDataGuardTests
{
    /// <summary>Names that could carry a full card number.</summary>
    [GeneratedRegex(@"(^|_)(pan|pans|card_?number|card_?no|cardnum|number|account_?number|primary_account|full_card)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex PanName();

    /// <summary>Names of sensitive authentication data (never accepted, never stored).</summary>
    [GeneratedRegex(@"(^|_)(cvv2?|cvc2?|cid|csc|cav2|security_?code|card_?verification|track|track_?[12]|track_?data|magstripe|pin|pin_?block|pinblock)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex SensitiveAuthName();

    private static IEnumerable<ServiceDescriptor> Services => DynamicRpc.ContractFiles.SelectMany(f => f.Services);

    [Fact]
    public void TheGuard_WalksEveryServiceOfTheContract()
    {
        Assert.Equal(
            ["payoutvault.v1.CaptureService", "payoutvault.v1.KeyService", "payoutvault.v1.PayoutService", "payoutvault.v1.TokenService"],
            Services.Select(s => s.FullName).Order(StringComparer.Ordinal).ToArray());
        // The matcher itself: it catches what it is meant to catch, and lets expiry through.
        Assert.Matches(PanName(), "card_number");
        Assert.Matches(PanName(), "pan");
        Assert.Matches(SensitiveAuthName(), "cvv");
        Assert.Matches(SensitiveAuthName(), "security_code");
        Assert.Matches(SensitiveAuthName(), "track2");
        Assert.Matches(SensitiveAuthName(), "pin_block");
        Assert.DoesNotMatch(PanName(), "expiry");
        Assert.DoesNotMatch(SensitiveAuthName(), "expiry");
        Assert.DoesNotMatch(SensitiveAuthName(), "spinner");
    }

    [Fact]
    public void ResponsesAndStreamMessages_HaveNoFieldThatCouldCarryCardData()
    {
        var offenders = new List<string>();
        foreach (var method in Services.SelectMany(s => s.Methods))
            foreach (var (path, field) in Walk(method.OutputType, method.OutputType.Name))
                if (PanName().IsMatch(field.Name) || SensitiveAuthName().IsMatch(field.Name))
                    offenders.Add($"{method.FullName} -> {path}");

        Assert.True(offenders.Count == 0, "response fields that could carry card data:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Requests_HaveNoCvvTrackOrPinField_AndOnlyTokenizeRequestPanCarriesACardNumber()
    {
        var sensitive = new List<string>();
        var panFields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in Services.SelectMany(s => s.Methods))
            foreach (var (path, field) in Walk(method.InputType, method.InputType.Name))
            {
                if (SensitiveAuthName().IsMatch(field.Name)) sensitive.Add($"{method.FullName} <- {path}");
                if (PanName().IsMatch(field.Name)) panFields.Add(field.FullName);
            }

        Assert.True(sensitive.Count == 0, "request fields for sensitive authentication data:\n" + string.Join('\n', sensitive));
        Assert.Equal(["payoutvault.v1.TokenizeRequest.pan"], panFields.ToArray());
    }

    [Fact]
    public void NoMessageOrEnumAnywhereInTheContract_IsNamedForSensitiveAuthenticationData()
    {
        var names = DynamicRpc.ContractFiles.SelectMany(f => f.MessageTypes.SelectMany(AllMessages))
            .SelectMany(m => new[] { m.Name }.Concat(m.Fields.InDeclarationOrder().Select(f => f.Name)).Concat(m.EnumTypes.Select(e => e.Name)))
            .Concat(DynamicRpc.ContractFiles.SelectMany(f => f.EnumTypes).SelectMany(e => e.Values.Select(v => v.Name).Append(e.Name)))
            .Where(n => SensitiveAuthName().IsMatch(ToSnake(n)))
            .ToArray();
        Assert.Empty(names);
    }

    /// <summary>Every field reachable from <paramref name="message"/>, through nested messages, map values and
    /// repeated fields, each message visited once per path (cycles cut).</summary>
    private static IEnumerable<(string Path, FieldDescriptor Field)> Walk(MessageDescriptor message, string path,
        HashSet<string>? seen = null)
    {
        seen ??= new HashSet<string>(StringComparer.Ordinal);
        if (!seen.Add(message.FullName)) yield break;
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            var fieldPath = path + "." + field.Name;
            yield return (fieldPath, field);
            if (field.FieldType != FieldType.Message) continue;
            var nested = field.MessageType;
            if (field.IsMap) nested = nested.FindFieldByName("value") is { FieldType: FieldType.Message } v ? v.MessageType : null;
            if (nested is null || nested.File.Package.StartsWith("google.protobuf", StringComparison.Ordinal)) continue;
            foreach (var inner in Walk(nested, fieldPath, new HashSet<string>(seen, StringComparer.Ordinal))) yield return inner;
        }
    }

    private static IEnumerable<MessageDescriptor> AllMessages(MessageDescriptor m) =>
        new[] { m }.Concat(m.NestedTypes.SelectMany(AllMessages));

    private static string ToSnake(string name) =>
        Regex.Replace(name, "([a-z0-9])([A-Z])", "$1_$2").ToLowerInvariant();
}
