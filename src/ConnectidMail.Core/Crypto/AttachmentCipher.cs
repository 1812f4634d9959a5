namespace ConnectidMail.Crypto;

/// <summary>
/// Entry points for encrypting attachments with a message's data key (DEK). Each attachment gets its own file key,
/// derived from the DEK, a random salt in the file header and the attachment id, so files cannot be swapped between
/// attachments even within one message. The format is described in docs/encryption.md.
/// </summary>
public static class AttachmentCipher
{
    /// <summary>Plaintext bytes per segment.</summary>
    public const int SegmentSize = AttachmentFormat.SegmentSize;

    /// <summary>Bytes of the file header.</summary>
    public const int HeaderSize = AttachmentFormat.HeaderSize;

    /// <summary>A stream that encrypts what is written into <paramref name="destination"/>; finish it with Complete/CompleteAsync.</summary>
    public static AttachmentEncryptingStream CreateEncryptingStream(
        Stream destination, ReadOnlySpan<byte> dataKey, Guid attachmentId, bool leaveOpen = false)
        => new(destination, dataKey, ValueCipher.FormatOwnerId(attachmentId), leaveOpen);

    /// <inheritdoc cref="CreateEncryptingStream(Stream, ReadOnlySpan{byte}, Guid, bool)"/>
    public static AttachmentEncryptingStream CreateEncryptingStream(
        Stream destination, ReadOnlySpan<byte> dataKey, string attachmentId, bool leaveOpen = false)
        => new(destination, dataKey, attachmentId, leaveOpen);

    /// <summary>A stream that reads and verifies the ciphertext in <paramref name="source"/> front to back and yields its plaintext.</summary>
    public static AttachmentDecryptingStream CreateDecryptingStream(
        Stream source, ReadOnlySpan<byte> dataKey, Guid attachmentId, bool leaveOpen = false)
        => new(source, dataKey, ValueCipher.FormatOwnerId(attachmentId), leaveOpen);

    /// <inheritdoc cref="CreateDecryptingStream(Stream, ReadOnlySpan{byte}, Guid, bool)"/>
    public static AttachmentDecryptingStream CreateDecryptingStream(
        Stream source, ReadOnlySpan<byte> dataKey, string attachmentId, bool leaveOpen = false)
        => new(source, dataKey, attachmentId, leaveOpen);

    /// <summary>
    /// A seekable plaintext view of the whole attachment over seekable ciphertext (e.g. for
    /// <c>Results.File(stream, enableRangeProcessing: true)</c>); reads decrypt only the segments they touch.
    /// </summary>
    public static AttachmentRandomAccessStream OpenRandomAccess(
        Stream seekableSource, ReadOnlySpan<byte> dataKey, Guid attachmentId, bool leaveOpen = false)
        => new(seekableSource, dataKey, ValueCipher.FormatOwnerId(attachmentId), null, null, leaveOpen);

    /// <inheritdoc cref="OpenRandomAccess(Stream, ReadOnlySpan{byte}, Guid, bool)"/>
    public static AttachmentRandomAccessStream OpenRandomAccess(
        Stream seekableSource, ReadOnlySpan<byte> dataKey, string attachmentId, bool leaveOpen = false)
        => new(seekableSource, dataKey, attachmentId, null, null, leaveOpen);

    /// <summary>
    /// The plaintext bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) as a stream
    /// of exactly <paramref name="length"/> bytes, decrypting only the segments that hold them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the plaintext.</exception>
    public static AttachmentRandomAccessStream OpenRange(
        Stream seekableSource, ReadOnlySpan<byte> dataKey, Guid attachmentId, long offset, long length, bool leaveOpen = false)
        => new(seekableSource, dataKey, ValueCipher.FormatOwnerId(attachmentId), offset, length, leaveOpen);

    /// <inheritdoc cref="OpenRange(Stream, ReadOnlySpan{byte}, Guid, long, long, bool)"/>
    public static AttachmentRandomAccessStream OpenRange(
        Stream seekableSource, ReadOnlySpan<byte> dataKey, string attachmentId, long offset, long length, bool leaveOpen = false)
        => new(seekableSource, dataKey, attachmentId, offset, length, leaveOpen);

    /// <summary>Encrypts all of <paramref name="plaintext"/> into <paramref name="destination"/>; returns the plaintext length.</summary>
    public static async Task<long> EncryptAsync(
        Stream plaintext, Stream destination, byte[] dataKey, Guid attachmentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        await using var encrypting = CreateEncryptingStream(destination, dataKey, attachmentId, leaveOpen: true);
        await plaintext.CopyToAsync(encrypting, SegmentSize, cancellationToken).ConfigureAwait(false);
        await encrypting.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return encrypting.PlaintextLength;
    }

    /// <summary>Decrypts and verifies all of <paramref name="source"/> into <paramref name="plaintext"/>.</summary>
    /// <remarks>
    /// Plaintext reaches <paramref name="plaintext"/> segment by segment; if a later segment fails, what was already
    /// written is authentic but incomplete, so write to a place the reader treats as provisional until this returns.
    /// </remarks>
    public static async Task DecryptAsync(
        Stream source, Stream plaintext, byte[] dataKey, Guid attachmentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        await using var decrypting = CreateDecryptingStream(source, dataKey, attachmentId, leaveOpen: true);
        await decrypting.CopyToAsync(plaintext, SegmentSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ciphertext length of a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static long GetCiphertextLength(long plaintextLength) => AttachmentFormat.CiphertextLength(plaintextLength);

    /// <summary>The plaintext length of a ciphertext of <paramref name="ciphertextLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No valid ciphertext has that length.</exception>
    public static long GetPlaintextLength(long ciphertextLength) => AttachmentFormat.TryPlaintextLength(ciphertextLength, out var plaintextLength)
        ? plaintextLength
        : throw new ArgumentOutOfRangeException(nameof(ciphertextLength), ciphertextLength, "No valid attachment ciphertext has this length.");

    /// <inheritdoc cref="GetPlaintextLength"/>
    public static bool TryGetPlaintextLength(long ciphertextLength, out long plaintextLength)
        => AttachmentFormat.TryPlaintextLength(ciphertextLength, out plaintextLength);
}
