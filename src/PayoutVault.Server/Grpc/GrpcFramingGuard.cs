using System.Buffers.Binary;
using System.IO.Compression;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// Checks the gRPC message framing of a unary or server-streaming request before Grpc.AspNetCore reads it. A body
/// that is not exactly one well-formed length-prefixed message (cut short, a length past the end or short of it,
/// bytes after the message, a compressed-flag value other than 0 or 1, a compressed message without a usable
/// encoding or whose data does not decompress) is replaced by one well-framed message that does not parse.
/// </summary>
/// <remarks>
/// Grpc.AspNetCore answers broken framing itself, before any interceptor: INTERNAL ("Incomplete message.",
/// "Additional data after the message received.") or UNKNOWN, with no audit record. Rewritten, the call takes the
/// path of any malformed request (<see cref="MalformedRequests"/>): the caller is authenticated and authorized
/// first, then refused INVALID_ARGUMENT with a <c>request.failed</c> record. Bodies larger than the message size
/// limit pass through untouched (the framework answers RESOURCE_EXHAUSTED), and so do compressed messages in an
/// encoding the vault does not know (UNIMPLEMENTED, as the gRPC compression spec requires).
/// </remarks>
public sealed class GrpcFramingGuard(RequestDelegate next, IOptions<GrpcServiceOptions> options)
{
    private const int HeaderSize = 5;

    /// <summary>A frame holding <c>08 ff</c>: field 1 as a varint that never ends, which no message type parses.</summary>
    private static readonly byte[] Unparseable = [0, 0, 0, 0, 2, 0x08, 0xFF];

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } grpc
            || grpc.Method.Type is not (MethodType.Unary or MethodType.ServerStreaming)
            || !IsGrpcContentType(context.Request.ContentType))
        {
            await next(context);
            return;
        }

        var limit = (options.Value.MaxReceiveMessageSize ?? 4 * 1024 * 1024) + HeaderSize;
        var (body, complete) = await ReadUpToAsync(context.Request.Body, limit + 1, context.RequestAborted);
        if (!complete)
        {
            // Larger than any acceptable message: hand the bytes read so far and the rest to the framework.
            context.Request.Body = new ConcatenatedStream(body, context.Request.Body);
        }
        else if (!IsOneWellFormedMessage(body, context.Request.Headers["grpc-encoding"].ToString(), limit))
        {
            context.Request.Headers.Remove("grpc-encoding");
            context.Request.ContentLength = Unparseable.Length;
            context.Request.Body = new MemoryStream(Unparseable, writable: false);
        }
        else
        {
            context.Request.Body = new MemoryStream(body, writable: false);
        }
        await next(context);
    }

    private static bool IsGrpcContentType(string? contentType) =>
        contentType is not null && (contentType.Equals("application/grpc", StringComparison.OrdinalIgnoreCase)
                                    || contentType.StartsWith("application/grpc+", StringComparison.OrdinalIgnoreCase)
                                    || contentType.StartsWith("application/grpc;", StringComparison.OrdinalIgnoreCase));

    private static bool IsOneWellFormedMessage(byte[] body, string encoding, int limit)
    {
        if (body.Length < HeaderSize || body[0] > 1) return false;
        var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        if (length != body.Length - HeaderSize) return false;
        if (body[0] == 0) return true;
        // Compressed: the encoding must be named, and gzip or deflate data must decompress within the size limit.
        // Another named encoding is left to the framework, which answers UNIMPLEMENTED listing the ones it knows.
        using var data = new MemoryStream(body, HeaderSize, body.Length - HeaderSize, writable: false);
        Stream? decompressor = encoding.Trim().ToLowerInvariant() switch
        {
            "" or "identity" => null,
            "gzip" => new GZipStream(data, CompressionMode.Decompress),
            "deflate" => new ZLibStream(data, CompressionMode.Decompress),
            _ => Stream.Null,
        };
        if (decompressor is null) return false;
        if (decompressor == Stream.Null) return true;
        using (decompressor)
        {
            try
            {
                var buffer = new byte[8192];
                var total = 0;
                int read;
                while ((read = decompressor.Read(buffer)) > 0)
                    if ((total += read) > limit) return true; // too large: the framework answers RESOURCE_EXHAUSTED
                return true;
            }
            catch (InvalidDataException)
            {
                return false;
            }
        }
    }

    /// <summary>Reads at most <paramref name="max"/> bytes; complete is false when the body is longer.</summary>
    private static async Task<(byte[] Bytes, bool Complete)> ReadUpToAsync(Stream body, int max, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (buffer.Length < max)
        {
            var read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, max - buffer.Length)), ct);
            if (read == 0) return (buffer.ToArray(), true);
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), false);
    }

    /// <summary>The bytes already read, then the rest of the original body.</summary>
    private sealed class ConcatenatedStream(byte[] head, Stream tail) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (_position < head.Length)
            {
                var n = Math.Min(destination.Length, head.Length - _position);
                head.AsMemory(_position, n).CopyTo(destination);
                _position += n;
                return n;
            }
            return await tail.ReadAsync(destination, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
