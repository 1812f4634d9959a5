using System.Security.Cryptography;
using static ConnectidMail.Crypto.AttachmentFormat;

namespace ConnectidMail.Crypto;

/// <summary>
/// Decrypts the segmented attachment format while reading, one segment at a time. A segment's plaintext is handed out
/// only after its tag verified. The last segment is the one followed by the end of the stream and must carry the
/// last-segment flag, so a cut (truncation) or anything appended (extension) fails; indexes in the nonces catch
/// dropped, duplicated and reordered segments; the header in the associated data and the attachment id in the key catch
/// a changed header and a file moved to another attachment. Any failure throws <see cref="DecryptionFailedException"/>,
/// and every later read throws again.
/// </summary>
public sealed class AttachmentDecryptingStream : Stream
{
    private readonly Stream source;
    private readonly bool leaveOpen;
    private readonly byte[] dataKey;
    private readonly string attachmentId;

    // One segment plus one byte: reading a byte past a full segment tells whether it is the last one.
    private readonly byte[] ciphertext = GC.AllocateUninitializedArray<byte>(CiphertextSegmentSize + 1);
    private readonly byte[] plaintext = GC.AllocateUninitializedArray<byte>(SegmentSize);
    private SegmentCipher? cipher;
    private int ciphertextCount;
    private int plaintextOffset;
    private int plaintextCount;
    private uint nextSegmentIndex;
    private bool reachedEnd;
    private bool failed;
    private bool disposed;

    internal AttachmentDecryptingStream(Stream source, ReadOnlySpan<byte> dataKey, string attachmentId, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("The source stream must be readable.", nameof(source));
        }

        RequireDataKey(dataKey);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);
        this.source = source;
        this.leaveOpen = leaveOpen;
        this.dataKey = GC.AllocateArray<byte>(dataKey.Length, pinned: true);
        dataKey.CopyTo(this.dataKey);
        this.attachmentId = attachmentId;
    }

    public override bool CanRead => !disposed;

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
        EnsureReadable();
        if (buffer.IsEmpty || plaintextCount > 0 || reachedEnd)
        {
            return TakeBuffered(buffer);
        }

        if (cipher is null)
        {
            ciphertextCount = FillSync(HeaderSize);
            StartFile();
        }

        ciphertextCount = FillSync(ciphertext.Length);
        return OpenNextSegment(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        if (buffer.IsEmpty || plaintextCount > 0 || reachedEnd)
        {
            return TakeBuffered(buffer.Span);
        }

        if (cipher is null)
        {
            ciphertextCount = await FillAsync(HeaderSize, cancellationToken).ConfigureAwait(false);
            StartFile();
        }

        ciphertextCount = await FillAsync(ciphertext.Length, cancellationToken).ConfigureAwait(false);
        return OpenNextSegment(buffer.Span);
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

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

    private int FillSync(int target)
    {
        var count = ciphertextCount;
        while (count < target)
        {
            var read = source.Read(ciphertext, count, target - count);
            if (read == 0)
            {
                break;
            }

            count += read;
        }

        return count;
    }

    private async ValueTask<int> FillAsync(int target, CancellationToken cancellationToken)
    {
        var count = ciphertextCount;
        while (count < target)
        {
            var read = await source.ReadAsync(ciphertext.AsMemory(count, target - count), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            count += read;
        }

        return count;
    }

    /// <summary>Checks the header that was just read and derives the file key from it.</summary>
    private void StartFile()
    {
        if (ciphertextCount < HeaderSize)
        {
            Fail();
        }

        try
        {
            cipher = new SegmentCipher(dataKey, ciphertext.AsSpan(0, HeaderSize), attachmentId);
        }
        catch (DecryptionFailedException)
        {
            Fail();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        ciphertextCount = 0;
    }

    /// <summary>
    /// Opens the segment at the start of the ciphertext buffer. A full buffer (segment + 1 byte) means more follows, so
    /// the segment is not the last; anything shorter was cut by the end of the stream and is the last.
    /// </summary>
    private int OpenNextSegment(Span<byte> buffer)
    {
        var isLast = ciphertextCount <= CiphertextSegmentSize;
        var segmentLength = isLast ? ciphertextCount : CiphertextSegmentSize;
        if (segmentLength < TagSize || (!isLast && nextSegmentIndex == uint.MaxValue))
        {
            Fail();
        }

        var plaintextLength = segmentLength - TagSize;

        // Decrypt straight into the caller's buffer when the whole segment fits: one copy fewer. On failure it is zeroed.
        var direct = buffer.Length >= plaintextLength;
        var target = direct ? buffer : plaintext.AsSpan();
        try
        {
            cipher!.Open(nextSegmentIndex, isLast, ciphertext.AsSpan(0, segmentLength), target);
        }
        catch (DecryptionFailedException)
        {
            Fail();
        }

        nextSegmentIndex++;
        if (isLast)
        {
            reachedEnd = true;
            ciphertextCount = 0;
        }
        else
        {
            ciphertext[0] = ciphertext[CiphertextSegmentSize];
            ciphertextCount = 1;
        }

        if (direct)
        {
            return plaintextLength;
        }

        plaintextOffset = 0;
        plaintextCount = plaintextLength;
        return TakeBuffered(buffer);
    }

    private int TakeBuffered(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, plaintextCount);
        plaintext.AsSpan(plaintextOffset, count).CopyTo(buffer);
        plaintextOffset += count;
        plaintextCount -= count;
        return count;
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
    private void Fail()
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
