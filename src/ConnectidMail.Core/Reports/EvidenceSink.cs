using System.IO.Compression;
using System.Security.Cryptography;

namespace ConnectidMail.Reports;

/// <summary>
/// Takes the JSON evidence as it is written and keeps only its deflated form (as the PDF stores it), its length and its
/// MD5, so a long trail's JSON is never held whole: 100,000 events are about 63 MiB of JSON and a tenth of that deflated.
/// </summary>
public sealed class EvidenceSink : Stream
{
    private readonly ChunkedBuffer deflated = new();
    private readonly ZLibStream zlib;
    private readonly IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private long length;
    private bool finished;

    public EvidenceSink() => zlib = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !finished;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The file as written so far; nothing can be written after.</summary>
    public EmbeddedEvidence Finish(string fileName)
    {
        ObjectDisposedException.ThrowIf(finished, this);
        finished = true;
        zlib.Dispose();
        return new EmbeddedEvidence(fileName, deflated.ToArray(), length, md5.GetHashAndReset());
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(finished, this);
        md5.AppendData(buffer);
        length += buffer.Length;
        zlib.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            finished = true;
            zlib.Dispose();
            deflated.Dispose();
            md5.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Where the deflated bytes go: chunks below the large-object threshold, copied once into an array of the exact
    /// size at the end. A MemoryStream would double its buffer as it grows and leave each smaller one on the large
    /// object heap until a full collection, about twice the evidence's size in all.
    /// </summary>
    private sealed class ChunkedBuffer : Stream
    {
        private const int ChunkSize = 64 * 1024;
        private readonly List<byte[]> chunks = [];
        private int used = ChunkSize;
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position
        {
            get => length;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                if (used == ChunkSize)
                {
                    chunks.Add(new byte[ChunkSize]);
                    used = 0;
                }

                var take = Math.Min(buffer.Length, ChunkSize - used);
                buffer[..take].CopyTo(chunks[^1].AsSpan(used));
                used += take;
                length += take;
                buffer = buffer[take..];
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public byte[] ToArray()
        {
            var all = GC.AllocateUninitializedArray<byte>(checked((int)length));
            var at = 0;
            foreach (var chunk in chunks)
            {
                var take = (int)Math.Min(ChunkSize, length - at);
                chunk.AsSpan(0, take).CopyTo(all.AsSpan(at));
                at += take;
            }

            return all;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
