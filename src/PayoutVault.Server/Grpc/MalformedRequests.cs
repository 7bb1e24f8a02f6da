namespace PayoutVault.Server.Grpc;

/// <summary>
/// Requests that could not be parsed, each an empty instance of the request type that no handler ever sees:
/// <see cref="MalformedRequestInterceptor"/> refuses them after authorization.
/// </summary>
public static class MalformedRequests
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Marked = new();

    public static T Mark<T>() where T : class
    {
        var request = Activator.CreateInstance<T>();
        Marked.Add(request, Marked);
        return request;
    }

    public static bool IsMalformed(object? request) => request is not null && Marked.TryGetValue(request, out _);
}
