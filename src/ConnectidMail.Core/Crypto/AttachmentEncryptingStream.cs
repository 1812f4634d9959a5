using System.Security.Cryptography;
using static ConnectidMail.Crypto.AttachmentFormat;

namespace ConnectidMail.Crypto;

/// <summary>
/// Encrypts what is written to it into the segmented attachment format, holding at most one segment in memory.
/// Call <see cref="Complete"/> or <see cref="CompleteAsync"/> after the last write: only that seals the last segment.
/// Disposing without completing leaves a file that fails to decrypt as truncated, so a transfer that broke off halfway
/// can never pass for a whole file.
/// </summary>
public sealed class AttachmentEncryptingStream : Stream
{
    private readonly Stream destination;
    private readonly bool leaveOpen;
    private readonly byte[] header = new byte[HeaderSize];
    private readonly SegmentCipher cipher;
    private readonly byte[] plaintext = GC.AllocateUninitializedArray<byte>(SegmentSize);
    private readonly byte[] ciphertext = GC.AllocateUninitializedArray<byte>(CiphertextSegmentSize);
    private int plaintextCount;
    private uint nextSegmentIndex;

    // A full segment taken straight from the caller's buffer (no copy) and sealed as "not last" before it was known
    // whether more data follows; written once more data arrives, or re-sealed as the last segment by Complete.
    private bool sealedAheadAsNotLast;
    private bool headerWritten;
    private bool completed;
    private bool disposed;
    private long plaintextLength;

    internal AttachmentEncryptingStream(Stream destination, ReadOnlySpan<byte> dataKey, string attachmentId, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination stream must be writable.", nameof(destination));
        }

        RequireDataKey(dataKey);
        this.destination = destination;
        this.leaveOpen = leaveOpen;
        WriteNewHeader(header);
        cipher = new SegmentCipher(dataKey, header, attachmentId);
    }

    /// <summary>Plaintext bytes written so far.</summary>
    public long PlaintextLength => plaintextLength;

    public bool IsCompleted => completed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !disposed && !completed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        while (!buffer.IsEmpty)
        {
            var consumed = Absorb(buffer, out var ready);
            if (ready > 0)
            {
                WriteHeaderIfNeeded();
                destination.Write(ciphertext, 0, ready);
            }

            buffer = buffer[consumed..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        while (!buffer.IsEmpty)
        {
            var consumed = Absorb(buffer.Span, out var ready);
            if (ready > 0)
            {
                await WriteHeaderIfNeededAsync(cancellationToken).ConfigureAwait(false);
                await destination.WriteAsync(ciphertext.AsMemory(0, ready), cancellationToken).ConfigureAwait(false);
            }

            buffer = buffer[consumed..];
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Seals and writes the last segment and flushes the destination. Nothing may be written afterwards.</summary>
    public void Complete()
    {
        if (completed)
        {
            return;
        }

        EnsureWritable();
        var length = SealLastSegment();
        WriteHeaderIfNeeded();
        destination.Write(ciphertext, 0, length);
        destination.Flush();
        completed = true;
    }

    /// <inheritdoc cref="Complete"/>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (completed)
        {
            return;
        }

        EnsureWritable();
        var length = SealLastSegment();
        await WriteHeaderIfNeededAsync(cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(ciphertext.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        completed = true;
    }

    /// <summary>Flushes what is already sealed; a partial segment stays buffered until it is full or the stream completes.</summary>
    public override void Flush()
    {
        if (!disposed)
        {
            destination.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
        => disposed ? Task.CompletedTask : destination.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            Release();
            if (!leaveOpen)
            {
                destination.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            Release();
            if (!leaveOpen)
            {
                await destination.DisposeAsync().ConfigureAwait(false);
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Takes input until a sealed segment is ready to be written (<paramref name="ready"/> = its length) or the input is
    /// used up; returns how many input bytes it took. Only called with non-empty input, which proves that whatever was
    /// buffered before is not the last segment.
    /// </summary>
    private int Absorb(ReadOnlySpan<byte> input, out int ready)
    {
        ready = 0;
        if (sealedAheadAsNotLast)
        {
            sealedAheadAsNotLast = false;
            ready = CiphertextSegmentSize;
            return 0;
        }

        if (plaintextCount == SegmentSize)
        {
            SealNotLast(plaintext);
            plaintextCount = 0;
            ready = CiphertextSegmentSize;
            return 0;
        }

        if (plaintextCount == 0 && input.Length >= SegmentSize)
        {
            // Seal straight from the caller's buffer: no copy on the common path of large writes.
            SealNotLast(input[..SegmentSize]);
            plaintextLength += SegmentSize;
            if (input.Length > SegmentSize)
            {
                ready = CiphertextSegmentSize;
            }
            else
            {
                sealedAheadAsNotLast = true;
            }

            return SegmentSize;
        }

        var taken = Math.Min(SegmentSize - plaintextCount, input.Length);
        input[..taken].CopyTo(plaintext.AsSpan(plaintextCount));
        plaintextCount += taken;
        plaintextLength += taken;
        return taken;
    }

    private void SealNotLast(ReadOnlySpan<byte> segment)
    {
        if (nextSegmentIndex == uint.MaxValue)
        {
            // Index 2^32 - 1 must be the last segment: there is no index after it.
            throw new IOException("The attachment is larger than the format allows (2^32 segments of 64 KiB).");
        }

        cipher.Seal(nextSegmentIndex, isLast: false, segment, ciphertext);
        nextSegmentIndex++;
    }

    /// <summary>Seals the final segment into the ciphertext buffer and returns its length.</summary>
    private int SealLastSegment()
    {
        if (sealedAheadAsNotLast)
        {
            // The segment sealed ahead turned out to be the last: open it again and re-seal it with the flag set.
            // It keeps its index, and the not-last version never left this buffer.
            var index = nextSegmentIndex - 1;
            cipher.Open(index, isLast: false, ciphertext, plaintext);
            cipher.Seal(index, isLast: true, plaintext, ciphertext);
            sealedAheadAsNotLast = false;
            return CiphertextSegmentSize;
        }

        cipher.Seal(nextSegmentIndex, isLast: true, plaintext.AsSpan(0, plaintextCount), ciphertext);
        nextSegmentIndex++;
        return plaintextCount + TagSize;
    }

    private void WriteHeaderIfNeeded()
    {
        if (!headerWritten)
        {
            destination.Write(header);
            headerWritten = true;
        }
    }

    private async ValueTask WriteHeaderIfNeededAsync(CancellationToken cancellationToken)
    {
        if (!headerWritten)
        {
            await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            headerWritten = true;
        }
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (completed)
        {
            throw new InvalidOperationException("The attachment is already complete.");
        }
    }

    private void Release()
    {
        disposed = true;
        CryptographicOperations.ZeroMemory(plaintext);
        cipher.Dispose();
    }
}
