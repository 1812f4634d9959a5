using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ConnectidMail.Crypto;

/// <summary>
/// Constants and primitives of the segmented file format (see docs/encryption.md):
/// header = version (1) ‖ salt (32) ‖ nonce prefix (7), then segments of up to 64 KiB plaintext, each sealed with
/// AES-256-GCM under a per-file key, nonce = prefix ‖ segment index (uint32 BE) ‖ last-segment flag, associated data = header.
/// </summary>
internal static class AttachmentFormat
{
    public const byte Version1 = 1;
    public const int SaltSize = 32;
    public const int NoncePrefixSize = 7;
    public const int HeaderSize = 1 + SaltSize + NoncePrefixSize;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int SegmentSize = 64 * 1024;
    public const int CiphertextSegmentSize = SegmentSize + TagSize;

    /// <summary>The segment index is 32 bits wide, so a file has at most 2^32 segments (256 TiB).</summary>
    public const long MaxSegmentCount = 1L << 32;

    public static void WriteNewHeader(Span<byte> header)
    {
        header[0] = Version1;
        RandomNumberGenerator.Fill(header[1..HeaderSize]);
    }

    /// <summary>HKDF-SHA256(ikm = DEK, salt = header salt, info = version ‖ attachment id (UTF-8)).</summary>
    public static byte[] DeriveFileKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header, string attachmentId)
    {
        RequireDataKey(dataKey);
        ArgumentException.ThrowIfNullOrEmpty(attachmentId);
        var info = new byte[1 + Encoding.UTF8.GetByteCount(attachmentId)];
        info[0] = header[0];
        Encoding.UTF8.GetBytes(attachmentId, info.AsSpan(1));
        var fileKey = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, fileKey, header.Slice(1, SaltSize), info);
        return fileKey;
    }

    public static void BuildNonce(ReadOnlySpan<byte> header, uint segmentIndex, bool isLast, Span<byte> nonce)
    {
        header.Slice(1 + SaltSize, NoncePrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixSize..], segmentIndex);
        nonce[NonceSize - 1] = isLast ? (byte)1 : (byte)0;
    }

    public static long CiphertextLength(long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        var segments = SegmentCount(plaintextLength);
        if (segments > MaxSegmentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(plaintextLength), "Larger than the format allows (2^32 segments of 64 KiB).");
        }

        return HeaderSize + plaintextLength + (segments * TagSize);
    }

    /// <summary>An empty file is one empty last segment; otherwise every segment but the last is full.</summary>
    public static long SegmentCount(long plaintextLength) => Math.Max(1, (plaintextLength + SegmentSize - 1) / SegmentSize);

    public static bool TryPlaintextLength(long ciphertextLength, out long plaintextLength)
    {
        plaintextLength = 0;
        var body = ciphertextLength - HeaderSize;
        if (body < TagSize)
        {
            return false;
        }

        var segments = (body + CiphertextSegmentSize - 1) / CiphertextSegmentSize;
        var lastSegment = body - ((segments - 1) * CiphertextSegmentSize);
        if (lastSegment < TagSize || segments > MaxSegmentCount)
        {
            return false;
        }

        plaintextLength = body - (segments * TagSize);
        return true;
    }

    public static void RequireDataKey(ReadOnlySpan<byte> dataKey)
    {
        if (dataKey.Length != KeyWrapping.DataKeySize)
        {
            throw new ArgumentException("A data key is 32 bytes.", nameof(dataKey));
        }
    }
}

/// <summary>Seals and opens the segments of one file: its per-file key, header and nonce prefix.</summary>
internal sealed class SegmentCipher : IDisposable
{
    private readonly AesGcm aes;
    private readonly byte[] header;

    public SegmentCipher(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header, string attachmentId)
    {
        if (header.Length != AttachmentFormat.HeaderSize || header[0] != AttachmentFormat.Version1)
        {
            throw new DecryptionFailedException();
        }

        this.header = header.ToArray();
        var fileKey = AttachmentFormat.DeriveFileKey(dataKey, header, attachmentId);
        try
        {
            aes = new AesGcm(fileKey, AttachmentFormat.TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    /// <summary>Writes ciphertext ‖ tag (plaintext length + 16 bytes) into <paramref name="destination"/>.</summary>
    public void Seal(uint segmentIndex, bool isLast, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[AttachmentFormat.NonceSize];
        AttachmentFormat.BuildNonce(header, segmentIndex, isLast, nonce);
        aes.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, AttachmentFormat.TagSize), header);
    }

    /// <summary>
    /// Verifies and decrypts one segment (ciphertext ‖ tag) into <paramref name="plaintext"/>. On failure the destination
    /// is zeroed before <see cref="DecryptionFailedException"/> is thrown, so no unverified plaintext is ever released.
    /// </summary>
    public void Open(uint segmentIndex, bool isLast, ReadOnlySpan<byte> segment, Span<byte> plaintext)
    {
        if (segment.Length < AttachmentFormat.TagSize)
        {
            throw new DecryptionFailedException();
        }

        var length = segment.Length - AttachmentFormat.TagSize;
        Span<byte> nonce = stackalloc byte[AttachmentFormat.NonceSize];
        AttachmentFormat.BuildNonce(header, segmentIndex, isLast, nonce);
        try
        {
            aes.Decrypt(nonce, segment[..length], segment[length..], plaintext[..length], header);
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plaintext[..length]);
            throw new DecryptionFailedException();
        }
    }

    public void Dispose() => aes.Dispose();
}
