using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// Logged-in sessions on one token, reused across calls. A PKCS#11 session serves one operation at a time, so each
/// call takes a session of its own (at most MaxSessions at once; more callers wait). A session whose call failed is
/// closed rather than reused. Sessions opened before a re-initialisation of the library are closed by it, and the
/// slot is looked up again (slot ids may change when a token returns).
/// </summary>
internal sealed class Pkcs11SessionPool : IDisposable
{
    private readonly Pkcs11Module _module;
    private readonly Pkcs11Options _options;
    private readonly SemaphoreSlim _permits;
    private readonly Stack<ISession> _idle = new();
    private readonly Action<IPkcs11Library> _closeOnFinalize;
    private ISlot? _slot;
    private int _slotGeneration = -1;

    public Pkcs11SessionPool(Pkcs11Module module, Pkcs11Options options)
    {
        _module = module;
        _options = options;
        _permits = new SemaphoreSlim(options.MaxSessions, options.MaxSessions);
        _closeOnFinalize = _ => CloseIdle();
        module.OnFinalize(_closeOnFinalize);
    }

    /// <summary>Runs <paramref name="call"/> on a logged-in session. Call only inside <see cref="Pkcs11Module.Use{T}"/>.</summary>
    public T Run<T>(IPkcs11Library library, int generation, Func<ISession, T> call)
    {
        _permits.Wait();
        ISession? session = null;
        try
        {
            session = Take(library, generation);
            var result = call(session);
            lock (_idle) _idle.Push(session);
            session = null;
            return result;
        }
        finally
        {
            if (session is not null) Close(session);
            _permits.Release();
        }
    }

    private ISession Take(IPkcs11Library library, int generation)
    {
        lock (_idle)
        {
            if (_slotGeneration != generation)
            {
                _slot = null;
                _slotGeneration = generation;
            }
            if (_idle.TryPop(out var idle)) return idle;
            _slot ??= FindSlot(library);
        }
        var session = _slot.OpenSession(SessionType.ReadWrite);
        try
        {
            Login(session);
            return session;
        }
        catch
        {
            Close(session);
            throw;
        }
    }

    private ISlot FindSlot(IPkcs11Library library)
    {
        var slots = library.GetSlotList(SlotsType.WithTokenPresent);
        if (_options.Slot is { } id)
            return slots.FirstOrDefault(s => s.SlotId == id) ?? throw new TokenMissingException(
                $"PKCS#11 module '{_options.ModulePath}' has no token in slot {id} (slots with a token: "
                + $"{string.Join(", ", slots.Select(s => s.SlotId))}).");
        var labels = new List<string>();
        foreach (var slot in slots)
        {
            var label = slot.GetTokenInfo().Label;
            if (string.Equals(label, _options.TokenLabel, StringComparison.Ordinal)) return slot;
            labels.Add("'" + label + "'");
        }
        throw new TokenMissingException($"PKCS#11 module '{_options.ModulePath}' has no token labelled '{_options.TokenLabel}' "
            + $"(tokens present: {(labels.Count == 0 ? "none" : string.Join(", ", labels))}).");
    }

    /// <summary>
    /// Logs the user in. The PIN is read from its file for each new session and zeroed at once, so it stays in memory
    /// only for that call. PKCS#11 login state is shared by all of an application's sessions on a token: a second
    /// login is answered CKR_USER_ALREADY_LOGGED_IN, which is success here.
    /// </summary>
    private void Login(ISession session)
    {
        var pin = ReadPin(_options.PinFile!);
        try
        {
            session.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED or CKR.CKR_PIN_EXPIRED or CKR.CKR_PIN_INVALID
            or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_USER_PIN_NOT_INITIALIZED)
        {
            throw new PinRefusedException($"The {_options.TokenName} refused the user PIN in '{_options.PinFile}' ({e.RV}).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pin);
        }
    }

    /// <summary>The PIN file: owner-only (mode 0600, like key and share files), trailing newline and spaces dropped.</summary>
    internal static byte[] ReadPin(string path)
    {
        var bytes = MasterKeyFile.ReadOwnerOnly(path, "PKCS#11 user PIN file");
        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t') length--;
        var pin = bytes[..length];
        CryptographicOperations.ZeroMemory(bytes);
        if (pin.Length == 0) throw new KeyConfigurationException($"PKCS#11 user PIN file '{path}' is empty.");
        return pin;
    }

    private void CloseIdle()
    {
        lock (_idle)
        {
            while (_idle.TryPop(out var session)) Close(session);
            _slot = null;
            _slotGeneration = -1;
        }
    }

    private static void Close(ISession session)
    {
        try { session.Dispose(); }
        catch (Pkcs11Exception) { } // the session died with its token; nothing is left to close
    }

    public void Dispose()
    {
        _module.RemoveOnFinalize(_closeOnFinalize);
        try { _module.Use((_, _) => { CloseIdle(); return 0; }); }
        catch (TokenUnavailableException) { } // finalized already: its sessions went with it
        _permits.Dispose();
    }
}

/// <summary>The configured token is not present in the module.</summary>
internal sealed class TokenMissingException(string message) : Exception(message);

/// <summary>The token refused the user PIN.</summary>
internal sealed class PinRefusedException(string message) : Exception(message);
