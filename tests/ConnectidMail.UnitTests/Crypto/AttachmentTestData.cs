using ConnectidMail.Crypto;

namespace ConnectidMail.UnitTests.Crypto;

/// <summary>Deterministic plaintexts and helpers to take ciphertexts apart segment by segment.</summary>
internal static class AttachmentTestData
{
    public const int Segment = AttachmentCipher.SegmentSize;
    public const int CiphertextSegment = Segment + 16;
    public const int Header = AttachmentCipher.HeaderSize;

    public static readonly Guid MessageId = Guid.Parse("6f0d6a55-0b8e-4c3c-9a55-1f3f4b1e2d01");
    public static readonly Guid AttachmentId = Guid.Parse("0b6f4e1a-6f43-4d7e-8d8f-3a9f6a2c1b02");
    public static readonly Guid OtherAttachmentId = Guid.Parse("9c1e2d3f-4a5b-4c6d-8e7f-0a1b2c3d4e03");

    public static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] DataKey(int seed = 7) => Bytes(KeyWrapping.DataKeySize, seed);

    /// <summary>Encrypts through the stream, writing in chunks of <paramref name="writeSize"/> bytes.</summary>
    public static byte[] Encrypt(byte[] plaintext, byte[] dataKey, Guid attachmentId, int writeSize = 8192)
    {
        using var ciphertext = new MemoryStream();
        using (var encrypting = AttachmentCipher.CreateEncryptingStream(ciphertext, dataKey, attachmentId, leaveOpen: true))
        {
            for (var offset = 0; offset < plaintext.Length; offset += writeSize)
            {
                encrypting.Write(plaintext, offset, Math.Min(writeSize, plaintext.Length - offset));
            }

            encrypting.Complete();
        }

        return ciphertext.ToArray();
    }

    public static byte[] Encrypt(byte[] plaintext) => Encrypt(plaintext, DataKey(), AttachmentId);

    /// <summary>Decrypts through the stream, reading in chunks of <paramref name="readSize"/> bytes.</summary>
    public static byte[] Decrypt(byte[] ciphertext, byte[] dataKey, Guid attachmentId, int readSize = 8192)
    {
        using var decrypting = AttachmentCipher.CreateDecryptingStream(new MemoryStream(ciphertext), dataKey, attachmentId);
        using var plaintext = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = decrypting.Read(buffer, 0, buffer.Length)) > 0)
        {
            plaintext.Write(buffer, 0, read);
        }

        return plaintext.ToArray();
    }

    public static byte[] Decrypt(byte[] ciphertext) => Decrypt(ciphertext, DataKey(), AttachmentId);

    public static byte[] HeaderOf(byte[] ciphertext) => ciphertext[..Header];

    /// <summary>The sealed segments (ciphertext ‖ tag) in file order.</summary>
    public static List<byte[]> SegmentsOf(byte[] ciphertext)
    {
        var segments = new List<byte[]>();
        for (var offset = Header; offset < ciphertext.Length; offset += CiphertextSegment)
        {
            segments.Add(ciphertext[offset..Math.Min(offset + CiphertextSegment, ciphertext.Length)]);
        }

        return segments;
    }

    public static byte[] Join(byte[] header, IEnumerable<byte[]> segments) => [.. header, .. segments.SelectMany(s => s)];

    /// <summary>Re-seals one segment with the last-segment flag inverted, using the file's real key: what only a key holder could do.</summary>
    public static byte[] WithFlippedLastFlag(byte[] ciphertext, int segmentIndex, byte[] dataKey, Guid attachmentId)
    {
        var header = HeaderOf(ciphertext);
        var segments = SegmentsOf(ciphertext);
        var wasLast = segmentIndex == segments.Count - 1;
        var sealedSegment = segments[segmentIndex];
        var plaintext = new byte[sealedSegment.Length - 16];
        using var cipher = new SegmentCipher(dataKey, header, attachmentId.ToString("D"));
        cipher.Open((uint)segmentIndex, wasLast, sealedSegment, plaintext);
        var resealed = new byte[sealedSegment.Length];
        cipher.Seal((uint)segmentIndex, !wasLast, plaintext, resealed);
        segments[segmentIndex] = resealed;
        return Join(header, segments);
    }

    public static void AssertDecryptionFails(byte[] ciphertext, byte[]? dataKey = null, Guid? attachmentId = null)
        => Assert.Throws<DecryptionFailedException>(() => Decrypt(ciphertext, dataKey ?? DataKey(), attachmentId ?? AttachmentId));
}
