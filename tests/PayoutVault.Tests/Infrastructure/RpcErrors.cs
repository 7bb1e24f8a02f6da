using Google.Rpc;
using Grpc.Core;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>Reads the google.rpc.Status details the vault puts on errors.</summary>
public static class RpcErrors
{
    public static IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolations(this RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.ToArray() ?? [];

    /// <summary>The field names of every violation, in order.</summary>
    public static IReadOnlyList<string> ViolatedFields(this RpcException ex) =>
        ex.FieldViolations().Select(v => v.Field).ToArray();

    /// <summary>Runs a call that must fail with the given status code and returns the exception.</summary>
    public static async Task<RpcException> ExpectAsync(StatusCode code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(ex.StatusCode == code, $"expected {code}, got {ex.StatusCode}: {ex.Status.Detail}");
        return ex;
    }

    /// <summary>
    /// Runs a call that the TLS layer must refuse (a certificate the vault does not accept). With TLS 1.3 the client
    /// may finish its side of the handshake before the server rejects the certificate; the server's abort then
    /// surfaces as "the server did not complete the HTTP/2 handshake" (INTERNAL) instead of a connection failure
    /// (UNAVAILABLE). Either way the cause must be a TLS or transport failure, never an answer from the vault.
    /// </summary>
    public static async Task<RpcException> ExpectTransportRefusalAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"expected a transport refusal, got {ex.StatusCode}: {ex}");
        var transport = false;
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            transport |= inner is System.Security.Authentication.AuthenticationException or IOException or HttpRequestException;
        Assert.True(transport, "the failure is not a TLS/transport failure: " + ex);
        return ex;
    }

    /// <summary>Everything the caller sees of an error: status, detail text, trailers and field violations.</summary>
    public static string Describe(this RpcException ex) =>
        $"{ex.StatusCode} {ex.Status.Detail} {ex.Message} "
        + string.Join(" ", ex.Trailers.Select(t => t.IsBinary ? t.Key + "=" + Convert.ToBase64String(t.ValueBytes) : t.Key + "=" + t.Value))
        + " " + string.Join(" ", ex.FieldViolations().Select(v => v.Field + ": " + v.Description));
}
