using System.Runtime.CompilerServices;
using Grpc.Core;
using PayoutVault.Core.Errors;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// Malformed protobuf in a request (a truncated varint, a bad length, wire type 7, an unterminated group, field 0,
/// invalid UTF-8 in a string, a truncated sub-message) is the caller's error: INVALID_ARGUMENT with a
/// <c>request.failed</c> audit record, like any other bad input.
/// </summary>
/// <remarks>
/// Grpc.AspNetCore parses a unary or server-streaming request before the interceptors run, and answers a parse
/// failure UNKNOWN with no audit record. So the request marshaller is wrapped: a message that does not parse becomes
/// a marked empty placeholder, the call goes through the interceptors as usual (authentication and authorization
/// first: an unauthenticated caller learns nothing about parsing), and the method invoker refuses the placeholder
/// before any service code sees it, inside the error-mapping interceptor's reach. Streamed request messages are
/// parsed inside the handler already, so there the wrapper throws directly.
/// </remarks>
internal static class MalformedRequests
{
    private static readonly ConditionalWeakTable<object, object> Placeholders = new();

    public static Marshaller<TRequest> Guard<TRequest>(Marshaller<TRequest> inner, bool streamed) where TRequest : class =>
        new(inner.ContextualSerializer, context =>
        {
            try
            {
                return inner.ContextualDeserializer(context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (streamed) throw Refusal<TRequest>();
                var placeholder = Activator.CreateInstance<TRequest>(); // generated messages have a public empty constructor
                Placeholders.Add(placeholder, typeof(TRequest));
                return placeholder;
            }
        });

    /// <summary>Throws the refusal when <paramref name="request"/> stands for a message that did not parse.</summary>
    public static void ThrowIfMalformed<TRequest>(TRequest request) where TRequest : class
    {
        if (Placeholders.TryGetValue(request, out _)) throw Refusal<TRequest>();
    }

    // The description names the message type only: the bytes may hold anything, a card number included.
    private static InvalidArgumentException Refusal<TRequest>() =>
        new([new FieldViolation("request", $"the request is not a valid protobuf encoding of {typeof(TRequest).Name}")]);
}
