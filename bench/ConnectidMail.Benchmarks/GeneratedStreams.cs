using System.Security.Cryptography;
using ConnectidMail.Crypto;

namespace ConnectidMail.Benchmarks;

/// <summary>A read-only stream of <c>length</c> bytes cycling through 1 MiB of random data: a large source that costs no memory.</summary>
internal sealed class GeneratedPlaintextStream(long length) : Stream
{
    private static readonly byte[] Block = RandomNumberGenerator.GetBytes(1024 * 1024);
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = (int)Math.Min(buffer.Length, length - position);
        var written = 0;
        while (written < total)
        {
            var offsetInBlock = (int)(position % Block.Length);
            var count = Math.Min(total - written, Block.Length - offsetInBlock);
            Block.AsSpan(offsetInBlock, count).CopyTo(buffer[written..]);
            written += count;
            position += count;
        }

        return total;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// A read-only stream of the ciphertext of a generated plaintext, encrypted on demand one segment at a time, so a
/// decryption of hundreds of MiB can be measured without holding the ciphertext anywhere.
/// </summary>
internal sealed class GeneratedCiphertextStream : Stream
{
    private readonly GeneratedPlaintextStream plaintext;
    private readonly MemoryStream pending = new();
    private readonly AttachmentEncryptingStream encrypting;
    private readonly byte[] chunk = new byte[AttachmentCipher.SegmentSize];
    private int pendingOffset;

    public GeneratedCiphertextStream(long plaintextLength, byte[] dataKey, Guid attachmentId)
    {
        PlaintextLength = plaintextLength;
        plaintext = new GeneratedPlaintextStream(plaintextLength);
        encrypting = AttachmentCipher.CreateEncryptingStream(pending, dataKey, attachmentId, leaveOpen: true);
    }

    public long PlaintextLength { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (pending.Length - pendingOffset == 0)
        {
            if (encrypting.IsCompleted)
            {
                return 0;
            }

            pending.SetLength(0);
            pendingOffset = 0;
            var read = plaintext.Read(chunk);
            if (read > 0)
            {
                encrypting.Write(chunk, 0, read);
            }
            else
            {
                encrypting.Complete();
            }
        }

        var count = (int)Math.Min(buffer.Length, pending.Length - pendingOffset);
        pending.GetBuffer().AsSpan(pendingOffset, count).CopyTo(buffer);
        pendingOffset += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            encrypting.Dispose();
            pending.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A write-only sink that only counts bytes.</summary>
internal sealed class CountingWriteStream : Stream
{
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

    public override void Write(byte[] buffer, int offset, int count) => length += count;

    public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Passes writes through while computing their SHA-256.</summary>
internal sealed class HashingWriteStream(Stream inner) : Stream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public byte[] Hash() => hash.GetHashAndReset();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.AppendData(buffer);
        inner.Write(buffer);
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
