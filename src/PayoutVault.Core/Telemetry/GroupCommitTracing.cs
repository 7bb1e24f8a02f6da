using System.Diagnostics;

namespace PayoutVault.Core.Telemetry;

/// <summary>
/// Tracing across a group commit. Callers queue work that a writer loop commits together with other callers' work,
/// so the database spans run on the loop, not in the caller's request. Each group runs under one span whose parent is
/// its first caller's span and which links every other caller's span: a single caller (the usual case at low load)
/// sees its commit as a child; in a shared group the other callers' traces are one link away.
/// </summary>
public static class GroupCommitTracing
{
    /// <summary>The caller's span context, captured when it queues its work.</summary>
    public static ActivityContext Capture() => Activity.Current?.Context ?? default;

    public static Activity? Start(string name, IReadOnlyList<ActivityContext> callers)
    {
        var parent = default(ActivityContext);
        List<ActivityLink>? links = null;
        foreach (var c in callers)
        {
            if (c == default) continue;
            if (parent == default) parent = c;
            else (links ??= []).Add(new ActivityLink(c));
        }
        var activity = VaultTelemetry.Source.StartActivity("vault.group_commit " + name, ActivityKind.Internal, parent, links: links);
        activity?.SetTag("vault.group_commit.size", callers.Count);
        return activity;
    }

    /// <summary>
    /// Starts long-running writer loops outside the constructing caller's context: a loop started inside a request
    /// would otherwise carry that request's span as its current span forever, and parent every later commit to it.
    /// </summary>
    public static Task[] StartLoops(int count, Func<Task> loop)
    {
        using (ExecutionContext.SuppressFlow())
            return Enumerable.Range(0, count).Select(_ => Task.Run(loop)).ToArray();
    }
}
