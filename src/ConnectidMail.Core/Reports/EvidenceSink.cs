using System.IO.Compression;
using System.Security.Cryptography;

namespace ConnectidMail.Reports;

/// <summary>
/// Takes the JSON evidence as it is written and keeps only its deflated form (as the PDF stores it), in the report's
/// spill file, with its length and its MD5: a long trail's JSON is never held, whole or deflated (100,000 events are
/// about 63 MiB of JSON and 16 MiB deflated).
/// </summary>
public sealed class EvidenceSink : Stream
{
    private readonly SpillFile.SpillWriter deflated;
    private readonly ZLibStream zlib;
    private readonly IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private long length;
    private bool finished;

    public EvidenceSink(SpillFile spill)
    {
        ArgumentNullException.ThrowIfNull(spill);
        deflated = spill.NewWriter();
        zlib = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true);
    }

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
        return new EmbeddedEvidence(fileName, deflated.Finish(), length, md5.GetHashAndReset());
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
}
