using System.Security.Cryptography;
using static ConnectidMail.Crypto.AttachmentFormat;

namespace ConnectidMail.Crypto;

/// <summary>
/// A read-only, seekable view of the plaintext of an attachment (or of one byte range of it) over seekable ciphertext.
/// Reading decrypts only the segments that hold the bytes asked for, each verified before any of it is handed out,
/// which serves HTTP Range requests without decrypting the whole file. Which segment is last follows from the
/// ciphertext length, so a cut file fails where its new end is read; bytes of untouched segments are not checked.
/// </summary>
public sealed class AttachmentRandomAccessStream : Stream
{
    private readonly Stream source;
    private readonly bool leaveOpen;
    private readonly byte[] dataKey;
    private readonly string attachmentId;
    private readonly long sourceStart;
    private readonly long fileLength;
    private readonly long rangeStart;
    private readonly long rangeLength;
    private readonly long lastSegmentIndex;
    private readonly byte[] ciphertext = GC.AllocateUninitializedArray<byte>(CiphertextSegmentSize);
    private readonly byte[] plaintext = GC.AllocateUninitializedArray<byte>(SegmentSize);
    private SegmentCipher? cipher;
    private long position;
    private long decryptedSegmentIndex = -1;
    private int decryptedLength;
    private bool failed;
    private bool disposed;

    internal AttachmentRandomAccessStream(
        Stream source, ReadOnlySpan<byte> dataKey, string attachmentId, long? rangeOffset, long? rangeLength, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead || !source.CanSeek)
        {
            throw new ArgumentException("Random access needs a readable, seekable ciphertext stream.", nameof(source));
        }

        RequireDataKey(dataKey);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);

        // The ciphertext starts where the stream is now, so a blob with a prefix of its own can be read too.
        sourceStart = source.Position;
        if (!TryPlaintextLength(source.Length - sourceStart, out fileLength))
        {
            throw new DecryptionFailedException();
        }

        rangeStart = rangeOffset ?? 0;
        this.rangeLength = rangeLength ?? (fileLength - rangeStart);
        if (rangeStart < 0 || rangeStart > fileLength)
        {
            throw new ArgumentOutOfRangeException(nameof(rangeOffset), rangeStart, "The range starts outside the file.");
        }

        if (this.rangeLength < 0 || this.rangeLength > fileLength - rangeStart)
        {
            throw new ArgumentOutOfRangeException(nameof(rangeLength), this.rangeLength, "The range ends outside the file.");
        }

        lastSegmentIndex = SegmentCount(fileLength) - 1;
        this.source = source;
        this.leaveOpen = leaveOpen;
        this.dataKey = GC.AllocateArray<byte>(dataKey.Length, pinned: true);
        dataKey.CopyTo(this.dataKey);
        this.attachmentId = attachmentId;
    }

    /// <summary>The plaintext length of the whole attachment, whatever the range.</summary>
    public long FileLength => fileLength;

    public override bool CanRead => !disposed;

    public override bool CanSeek => !disposed;

    public override bool CanWrite => false;

    /// <summary>The length of the range (the whole plaintext when no range was given).</summary>
    public override long Length => rangeLength;

    public override long Position
    {
        get => position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => rangeLength + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return position;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        EnsureReadable();
        if (!TryLocate(buffer.Length, out var segmentIndex, out var offsetInSegment, out var count))
        {
            return 0;
        }

        if (segmentIndex != decryptedSegmentIndex)
        {
            if (cipher is null)
            {
                SeekSource(0);
                StartFile(ReadExactlySync(HeaderSize));
            }

            SeekSource(SegmentOffset(segmentIndex));
            var segmentLength = ReadExactlySync(SegmentCiphertextLength(segmentIndex));
            if (WantsWholeSegment(offsetInSegment, count, segmentLength))
            {
                return OpenSegmentInto(segmentIndex, segmentLength, buffer);
            }

            OpenSegment(segmentIndex, segmentLength);
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        if (!TryLocate(buffer.Length, out var segmentIndex, out var offsetInSegment, out var count))
        {
            return 0;
        }

        if (segmentIndex != decryptedSegmentIndex)
        {
            if (cipher is null)
            {
                SeekSource(0);
                StartFile(await ReadExactlyAsync(HeaderSize, cancellationToken).ConfigureAwait(false));
            }

            SeekSource(SegmentOffset(segmentIndex));
            var segmentLength = await ReadExactlyAsync(SegmentCiphertextLength(segmentIndex), cancellationToken).ConfigureAwait(false);
            if (WantsWholeSegment(offsetInSegment, count, segmentLength))
            {
                return OpenSegmentInto(segmentIndex, segmentLength, buffer.Span);
            }

            OpenSegment(segmentIndex, segmentLength);
        }

        return CopyOut(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            Release();
            if (!leaveOpen)
            {
                source.Dispose();
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
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Finds the segment holding the current position; false at the end of the range or for an empty read.</summary>
    private bool TryLocate(int wanted, out long segmentIndex, out int offsetInSegment, out int count)
    {
        segmentIndex = 0;
        offsetInSegment = 0;
        count = 0;
        if (wanted == 0 || position >= rangeLength)
        {
            return false;
        }

        var filePosition = rangeStart + position;
        segmentIndex = filePosition / SegmentSize;
        offsetInSegment = (int)(filePosition % SegmentSize);
        count = (int)Math.Min(Math.Min(wanted, SegmentSize - offsetInSegment), rangeLength - position);
        return true;
    }

    private int CopyOut(Span<byte> buffer)
    {
        TryLocate(buffer.Length, out _, out var offsetInSegment, out var count);
        if (offsetInSegment + count > decryptedLength)
        {
            Fail();
        }

        plaintext.AsSpan(offsetInSegment, count).CopyTo(buffer);
        position += count;
        return count;
    }

    private int SegmentCiphertextLength(long segmentIndex) => segmentIndex < lastSegmentIndex
        ? CiphertextSegmentSize
        : (int)(fileLength - (lastSegmentIndex * SegmentSize)) + TagSize;

    private void SeekSource(long ciphertextOffset) => source.Seek(sourceStart + ciphertextOffset, SeekOrigin.Begin);

    private static long SegmentOffset(long segmentIndex) => HeaderSize + (segmentIndex * CiphertextSegmentSize);

    private int ReadExactlySync(int length)
    {
        var read = source.ReadAtLeast(ciphertext.AsSpan(0, length), length, throwOnEndOfStream: false);
        return read == length ? length : Fail();
    }

    private async ValueTask<int> ReadExactlyAsync(int length, CancellationToken cancellationToken)
    {
        var read = await source.ReadAtLeastAsync(ciphertext.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken)
            .ConfigureAwait(false);
        return read == length ? length : Fail();
    }

    private void StartFile(int headerLength)
    {
        try
        {
            cipher = new SegmentCipher(dataKey, ciphertext.AsSpan(0, headerLength), attachmentId);
        }
        catch (DecryptionFailedException)
        {
            Fail();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// Whether this read takes a whole segment (it starts at the segment's start and wants all of its plaintext), as
    /// a download's 64 KiB reads do: then the segment is decrypted straight into the caller's buffer, saving a copy.
    /// </summary>
    private static bool WantsWholeSegment(int offsetInSegment, int count, int segmentLength)
        => offsetInSegment == 0 && count == segmentLength - TagSize;

    /// <summary>
    /// Verifies and decrypts a segment straight into <paramref name="buffer"/>. On failure the buffer is zeroed before
    /// the exception, so unverified plaintext never reaches the caller. The segment kept in the own plaintext buffer
    /// (if any) stays valid: it is neither overwritten nor replaced.
    /// </summary>
    private int OpenSegmentInto(long segmentIndex, int segmentLength, Span<byte> buffer)
    {
        var plaintextLength = segmentLength - TagSize;
        try
        {
            cipher!.Open((uint)segmentIndex, segmentIndex == lastSegmentIndex, ciphertext.AsSpan(0, segmentLength), buffer[..plaintextLength]);
        }
        catch (DecryptionFailedException)
        {
            Fail();
        }

        position += plaintextLength;
        return plaintextLength;
    }

    private void OpenSegment(long segmentIndex, int segmentLength)
    {
        decryptedSegmentIndex = -1;
        try
        {
            cipher!.Open((uint)segmentIndex, segmentIndex == lastSegmentIndex, ciphertext.AsSpan(0, segmentLength), plaintext);
        }
        catch (DecryptionFailedException)
        {
            Fail();
        }

        decryptedSegmentIndex = segmentIndex;
        decryptedLength = segmentLength - TagSize;
    }

    private void EnsureReadable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (failed)
        {
            throw new DecryptionFailedException();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private int Fail()
    {
        failed = true;
        throw new DecryptionFailedException();
    }

    private void Release()
    {
        disposed = true;
        CryptographicOperations.ZeroMemory(dataKey);
        CryptographicOperations.ZeroMemory(plaintext);
        cipher?.Dispose();
    }
}
