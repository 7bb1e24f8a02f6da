using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary>Reading bounded request bodies and writing the bank's JSON answers.</summary>
internal static class SandboxHttp
{
    /// <summary>Reads the whole body into <paramref name="into"/>; false when it exceeds <paramref name="limit"/>.</summary>
    public static async Task<bool> TryReadBodyAsync(HttpRequest request, ZeroingBufferWriter into, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            return false;
        }

        while (true)
        {
            var read = await request.Body.ReadAsync(into.GetMemory(4096), ct).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            into.Advance(read);
            if (into.WrittenCount > limit)
            {
                return false;
            }
        }
    }

    public static Task WriteJsonAsync(HttpContext http, int status, byte[] body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        return http.Response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }

    public static Task WriteErrorAsync(HttpContext http, int status, string code, string description) =>
        WriteJsonAsync(http, status, Bank131Json.Error(code, description));

    /// <summary>
    /// The bank's authentication step, shared by every partner endpoint: first which project, then whether the
    /// signature over the raw body verifies with that project's key.
    /// </summary>
    public static (int Status, string Code, string Description)? Authenticate(
        SandboxOptions options, string? project, bool signatureValid)
    {
        if (string.IsNullOrEmpty(project)
            || (!string.IsNullOrEmpty(options.ProjectId) && !string.Equals(project, options.ProjectId, StringComparison.Ordinal)))
        {
            return (StatusCodes.Status401Unauthorized, Bank131ErrorCodes.IdentificationError,
                $"Unknown or missing {Bank131Headers.Project}.");
        }

        if (!signatureValid)
        {
            return (StatusCodes.Status401Unauthorized, Bank131ErrorCodes.AuthenticationError,
                $"{Bank131Headers.Sign} is missing or does not match the request body.");
        }

        return null;
    }

    public static string? Header(HttpRequest request, string name)
    {
        var value = request.Headers[name].ToString();
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
