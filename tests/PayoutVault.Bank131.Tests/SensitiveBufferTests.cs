using System.Runtime.InteropServices;

namespace PayoutVault.Bank131.Tests;

/// <summary>Buffers holding card data are wiped, and the body writer never leaves an unwiped copy behind.</summary>
public sealed class SensitiveBufferTests
{
    [Fact]
    public void Dispose_zeroes_the_whole_array_and_later_access_throws()
    {
        var buffer = SensitiveBuffer.CopyOf(TestCards.Bytes(TestCards.Visa));
        Assert.True(MemoryMarshal.TryGetArray(buffer.Memory, out var segment));
        Assert.True(segment.AsSpan().SequenceEqual(TestCards.Bytes(TestCards.Visa)));

        buffer.Dispose();

        Assert.True(buffer.IsDisposed);
        Assert.All(segment.Array!, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        buffer.Dispose(); // idempotent
    }

    [Fact]
    public void A_payout_body_is_wiped_on_dispose_including_the_spare_capacity()
    {
        var body = TestPayouts.Body("pay_wipe");
        Assert.True(MemoryMarshal.TryGetArray(body.Memory, out var segment));
        Assert.True(segment.Array!.Length >= body.Length);

        body.Dispose();

        Assert.All(segment.Array, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Allocate_gives_a_zeroed_writable_buffer()
    {
        using var buffer = SensitiveBuffer.Allocate(16);
        Assert.All(buffer.Span.ToArray(), b => Assert.Equal(0, b));
        TestCards.Bytes(TestCards.Mastercard).CopyTo(buffer.WritableSpan);
        Assert.True(buffer.Span.SequenceEqual(TestCards.Bytes(TestCards.Mastercard)));
    }

    [Fact]
    public void Writer_wipes_the_old_array_when_it_grows_and_hands_over_without_copying()
    {
        using var writer = new ZeroingBufferWriter(32);
        var span = writer.GetSpan(16);
        TestCards.Bytes(TestCards.Visa).CopyTo(span);
        writer.Advance(16);
        Assert.True(MemoryMarshal.TryGetArray<byte>(writer.GetMemory(1), out var before));

        writer.GetSpan(4096); // forces growth
        Assert.All(before.Array!, b => Assert.Equal(0, b));
        Assert.True(writer.WrittenSpan.SequenceEqual(TestCards.Bytes(TestCards.Visa)));

        Assert.True(MemoryMarshal.TryGetArray<byte>(writer.GetMemory(1), out var current));
        using var detached = writer.DetachAsSensitiveBuffer();
        Assert.True(MemoryMarshal.TryGetArray(detached.Memory, out var handed));
        Assert.Same(current.Array, handed.Array);
        Assert.Equal(16, detached.Length);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Writer_dispose_wipes_its_array()
    {
        var writer = new ZeroingBufferWriter(64);
        TestCards.Bytes(TestCards.Mir).CopyTo(writer.GetSpan(16));
        writer.Advance(16);
        Assert.True(MemoryMarshal.TryGetArray<byte>(writer.WrittenMemory, out var segment));

        writer.Dispose();

        Assert.All(segment.Array!, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan());
    }
}
