using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// What a master key object in the token must be, in one place: the template `vaultctl keys hsm-init` generates it
/// with, and the check every start (and every reconnect) makes before the vault uses it.
/// </summary>
internal static class Pkcs11KeyAttributes
{
    /// <summary>
    /// An AES-256 token object generated inside the device: sensitive and never extractable (its value cannot be read
    /// or wrapped out), private (invisible without login), able to encrypt and decrypt only (no wrap, sign or
    /// derive), and not modifiable, so nobody can turn these off later.
    /// </summary>
    public static List<IObjectAttribute> Template(IObjectAttributeFactory f, string label) =>
    [
        f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
        f.Create(CKA.CKA_VALUE_LEN, (ulong)MasterKey.KeySizeBytes),
        f.Create(CKA.CKA_TOKEN, true),
        f.Create(CKA.CKA_PRIVATE, true),
        f.Create(CKA.CKA_SENSITIVE, true),
        f.Create(CKA.CKA_EXTRACTABLE, false),
        f.Create(CKA.CKA_ENCRYPT, true),
        f.Create(CKA.CKA_DECRYPT, true),
        f.Create(CKA.CKA_WRAP, false),
        f.Create(CKA.CKA_UNWRAP, false),
        f.Create(CKA.CKA_SIGN, false),
        f.Create(CKA.CKA_VERIFY, false),
        f.Create(CKA.CKA_DERIVE, false),
        f.Create(CKA.CKA_MODIFIABLE, false),
        f.Create(CKA.CKA_LABEL, label),
        f.Create(CKA.CKA_ID, System.Text.Encoding.UTF8.GetBytes(label)),
    ];

    private static readonly List<CKA> Checked =
    [
        CKA.CKA_CLASS, CKA.CKA_KEY_TYPE, CKA.CKA_VALUE_LEN, CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_SENSITIVE,
        CKA.CKA_EXTRACTABLE, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT,
    ];

    /// <summary>Every way the object falls short of <see cref="Template"/>; empty when it is fit to be the master key.</summary>
    public static IReadOnlyList<string> Problems(ISession session, IObjectHandle key)
    {
        var values = session.GetAttributeValue(key, Checked).ToDictionary(a => (CKA)a.Type);
        var problems = new List<string>();
        bool? Flag(CKA a) => values[a].CannotBeRead ? null : values[a].GetValueAsBool();

        if (values[CKA.CKA_CLASS].CannotBeRead || values[CKA.CKA_CLASS].GetValueAsUlong() != (ulong)CKO.CKO_SECRET_KEY)
            return ["it is not a secret key object"];
        var type = values[CKA.CKA_KEY_TYPE].CannotBeRead ? null : (CKK?)values[CKA.CKA_KEY_TYPE].GetValueAsUlong();
        if (type != CKK.CKK_AES) problems.Add($"it is a {type?.ToString() ?? "unknown"} key, not AES (CKA_KEY_TYPE)");
        else if (values[CKA.CKA_VALUE_LEN].CannotBeRead || values[CKA.CKA_VALUE_LEN].GetValueAsUlong() != MasterKey.KeySizeBytes)
            problems.Add("it is not a 256-bit key (CKA_VALUE_LEN)");
        if (Flag(CKA.CKA_TOKEN) != true) problems.Add("it is a session object, not stored in the token (CKA_TOKEN false)");
        if (Flag(CKA.CKA_PRIVATE) != true) problems.Add("it is visible without login (CKA_PRIVATE false)");
        if (Flag(CKA.CKA_SENSITIVE) != true) problems.Add("it is not sensitive: its value can be read (CKA_SENSITIVE false)");
        if (Flag(CKA.CKA_EXTRACTABLE) != false) problems.Add("it is extractable: it can be wrapped out of the token (CKA_EXTRACTABLE true)");
        if (Flag(CKA.CKA_ALWAYS_SENSITIVE) != true || Flag(CKA.CKA_NEVER_EXTRACTABLE) != true)
            problems.Add("it was readable or extractable at some time, so copies may exist outside the token "
                + "(CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE false): generate it in the token with vaultctl keys hsm-init");
        if (Flag(CKA.CKA_ENCRYPT) != true || Flag(CKA.CKA_DECRYPT) != true) problems.Add("it may not encrypt and decrypt (CKA_ENCRYPT / CKA_DECRYPT)");
        return problems;
    }

    /// <summary>The key check value: CKA_CHECK_VALUE where the token keeps it, else AES-ECB of a zero block in the token.</summary>
    public static string CheckValue(Pkcs11InteropFactories f, ISession session, IObjectHandle key)
    {
        var attribute = session.GetAttributeValue(key, [CKA.CKA_CHECK_VALUE])[0];
        if (!attribute.CannotBeRead && attribute.GetValueAsByteArray() is { Length: >= 3 } kcv)
            return Convert.ToHexString(kcv.AsSpan(0, 3));
        var encrypted = session.Encrypt(f.MechanismFactory.Create(CKM.CKM_AES_ECB), key, new byte[16]);
        return Convert.ToHexString(encrypted.AsSpan(0, 3));
    }

    /// <summary>Every object labelled <paramref name="label"/> (of any class: a wrong one is reported, not skipped).</summary>
    public static List<IObjectHandle> FindByLabel(IObjectAttributeFactory f, ISession session, string label) =>
        session.FindAllObjects([f.Create(CKA.CKA_LABEL, label)]);
}
