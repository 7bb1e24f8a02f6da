namespace PayoutVault.Cli.Bench;

/// <summary>
/// Latencies recorded from many threads into fixed buckets 1% wide (10 µs .. about an hour), for samples too many to
/// keep one by one: a thousand subscribers each timing every event. Percentiles are a bucket's upper bound.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Smallest = 0.01;
    private static readonly double Growth = Math.Log(1.01);
    private readonly long[] _buckets = new long[2600];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record(double ms)
    {
        var i = ms <= Smallest ? 0 : Math.Min(_buckets.Length - 1, (int)Math.Ceiling(Math.Log(ms / Smallest) / Growth));
        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Increment(ref _count);
    }

    public double Percentile(double p)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = Math.Min(total - 1, (long)(p * total));
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen > rank) return Smallest * Math.Exp(i * Growth);
        }
        return Smallest * Math.Exp((_buckets.Length - 1) * Growth);
    }
}
