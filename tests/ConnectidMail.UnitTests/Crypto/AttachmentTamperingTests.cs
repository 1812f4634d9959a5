using ConnectidMail.Crypto;
using static ConnectidMail.UnitTests.Crypto.AttachmentTestData;

namespace ConnectidMail.UnitTests.Crypto;

/// <summary>Every way of altering a stored file that the format promises to detect, one test each.</summary>
public sealed class AttachmentTamperingTests
{
    private static readonly byte[] Plaintext = Bytes((4 * Segment) + 1000, seed: 11);
    private static readonly byte[] Ciphertext = Encrypt(Plaintext);

    [Fact]
    public void The_untampered_file_decrypts()
    {
        Assert.Equal(Plaintext, Decrypt(Ciphertext));
        Assert.Equal(5, SegmentsOf(Ciphertext).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(39)]
    public void A_flipped_bit_in_the_header_is_detected(int headerByte)
        => AssertDecryptionFails(FlipBit(Ciphertext, headerByte));

    [Fact]
    public void A_flipped_bit_in_the_first_segment_is_detected()
        => AssertDecryptionFails(FlipBit(Ciphertext, Header + 10));

    [Fact]
    public void A_flipped_bit_in_a_middle_segment_is_detected()
        => AssertDecryptionFails(FlipBit(Ciphertext, Header + (2 * CiphertextSegment) + 500));

    [Fact]
    public void A_flipped_bit_in_the_last_segment_is_detected()
        => AssertDecryptionFails(FlipBit(Ciphertext, Ciphertext.Length - 100));

    [Fact]
    public void A_flipped_bit_in_a_tag_is_detected()
        => AssertDecryptionFails(FlipBit(Ciphertext, Header + CiphertextSegment - 1));

    [Fact]
    public void Truncation_at_a_segment_boundary_is_detected()
    {
        var segments = SegmentsOf(Ciphertext);

        AssertDecryptionFails(Join(HeaderOf(Ciphertext), segments.Take(segments.Count - 1)));
    }

    [Fact]
    public void Truncation_to_the_first_segment_is_detected()
        => AssertDecryptionFails(Ciphertext[..(Header + CiphertextSegment)]);

    [Fact]
    public void Truncation_to_the_header_alone_is_detected()
        => AssertDecryptionFails(HeaderOf(Ciphertext));

    [Fact]
    public void Truncation_inside_the_header_is_detected()
        => AssertDecryptionFails(Ciphertext[..20]);

    [Fact]
    public void Truncation_inside_a_segment_is_detected()
        => AssertDecryptionFails(Ciphertext[..(Header + CiphertextSegment + 1000)]);

    [Fact]
    public void A_dropped_segment_is_detected()
    {
        var segments = SegmentsOf(Ciphertext);
        segments.RemoveAt(1);

        AssertDecryptionFails(Join(HeaderOf(Ciphertext), segments));
    }

    [Fact]
    public void A_duplicated_segment_is_detected()
    {
        var segments = SegmentsOf(Ciphertext);
        segments.Insert(2, segments[1]);

        AssertDecryptionFails(Join(HeaderOf(Ciphertext), segments));
    }

    [Fact]
    public void Swapped_segments_are_detected()
    {
        var segments = SegmentsOf(Ciphertext);
        (segments[1], segments[2]) = (segments[2], segments[1]);

        AssertDecryptionFails(Join(HeaderOf(Ciphertext), segments));
    }

    [Fact]
    public void A_last_segment_flag_cleared_on_the_final_segment_is_detected()
        => AssertDecryptionFails(WithFlippedLastFlag(Ciphertext, 4, DataKey(), AttachmentId));

    [Fact]
    public void A_last_segment_flag_set_on_a_middle_segment_is_detected()
        => AssertDecryptionFails(WithFlippedLastFlag(Ciphertext, 2, DataKey(), AttachmentId));

    [Fact]
    public void A_last_segment_flag_cleared_on_the_only_segment_is_detected()
    {
        var single = Encrypt(Bytes(500));

        AssertDecryptionFails(WithFlippedLastFlag(single, 0, DataKey(), AttachmentId));
    }

    [Fact]
    public void The_flag_flip_helper_itself_produces_a_valid_segment_with_the_other_flag()
    {
        // Proves the failures above come from the flag alone: the re-sealed segment is authentic apart from it.
        var flipped = WithFlippedLastFlag(Ciphertext, 4, DataKey(), AttachmentId);
        var segment = SegmentsOf(flipped)[4];
        var plaintext = new byte[segment.Length - 16];
        using var cipher = new SegmentCipher(DataKey(), HeaderOf(flipped), AttachmentId.ToString("D"));

        cipher.Open(4, isLast: false, segment, plaintext);

        Assert.Equal(Plaintext[(4 * Segment)..], plaintext);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(CiphertextSegment)]
    public void Appended_bytes_are_detected(int appended)
        => AssertDecryptionFails([.. Ciphertext, .. new byte[appended]]);

    [Fact]
    public void A_copy_of_the_last_segment_appended_is_detected()
    {
        var segments = SegmentsOf(Ciphertext);

        AssertDecryptionFails(Join(HeaderOf(Ciphertext), [.. segments, segments[^1]]));
    }

    [Fact]
    public void Appended_bytes_after_a_file_ending_on_a_segment_boundary_are_detected()
    {
        var aligned = Encrypt(Bytes(2 * Segment));

        AssertDecryptionFails([.. aligned, 0]);
    }

    [Fact]
    public void A_ciphertext_moved_under_another_attachment_id_is_detected()
        => AssertDecryptionFails(Ciphertext, attachmentId: OtherAttachmentId);

    [Fact]
    public void A_file_swapped_with_another_attachment_of_the_same_message_is_detected()
    {
        // Both files are under the same message data key; only their attachment ids differ.
        var dataKey = DataKey();
        var first = AttachmentTestData.Encrypt(Bytes(3000, seed: 21), dataKey, AttachmentId);
        var second = AttachmentTestData.Encrypt(Bytes(3000, seed: 22), dataKey, OtherAttachmentId);

        AssertDecryptionFails(second, dataKey, AttachmentId);
        AssertDecryptionFails(first, dataKey, OtherAttachmentId);
    }

    [Fact]
    public void Segments_spliced_from_another_file_of_the_same_attachment_are_detected()
    {
        // Same key, same attachment id, but another upload: its header (salt, nonce prefix) differs.
        var other = Encrypt(Plaintext);
        var segments = SegmentsOf(Ciphertext);
        segments[1] = SegmentsOf(other)[1];

        AssertDecryptionFails(Join(HeaderOf(Ciphertext), segments));
    }

    [Fact]
    public void The_wrong_data_key_is_detected()
        => AssertDecryptionFails(Ciphertext, dataKey: DataKey(seed: 99));

    [Fact]
    public void An_unknown_format_version_is_refused()
    {
        var tampered = (byte[])Ciphertext.Clone();
        tampered[0] = 2;

        AssertDecryptionFails(tampered);
    }

    [Fact]
    public void A_stream_disposed_without_completing_does_not_pass_for_a_whole_file()
    {
        using var ciphertext = new MemoryStream();
        using (var encrypting = AttachmentCipher.CreateEncryptingStream(ciphertext, DataKey(), AttachmentId, leaveOpen: true))
        {
            encrypting.Write(Bytes(3 * Segment));
        }

        AssertDecryptionFails(ciphertext.ToArray());
    }

    [Fact]
    public void Plaintext_of_a_segment_that_fails_is_never_released()
    {
        var plaintext = Bytes(3 * Segment, seed: 5);
        var ciphertext = FlipBit(Encrypt(plaintext), Header + CiphertextSegment + 7);
        using var decrypting = AttachmentCipher.CreateDecryptingStream(new MemoryStream(ciphertext), DataKey(), AttachmentId);
        var first = new byte[Segment];
        var second = new byte[Segment];
        var small = new byte[100];
        Array.Fill(second, (byte)0xAA);

        decrypting.ReadExactly(first);
        Assert.Throws<DecryptionFailedException>(() => decrypting.Read(second));

        Assert.Equal(plaintext[..Segment], first);
        Assert.All(second, b => Assert.True(b is 0 or 0xAA, "unverified plaintext reached the caller's buffer"));

        // A failed stream stays failed: the bad segment cannot be skipped.
        Assert.Throws<DecryptionFailedException>(() => decrypting.Read(small));
    }

    [Fact]
    public async Task Tampering_is_detected_on_the_async_path_too()
    {
        var segments = SegmentsOf(Ciphertext);
        var truncated = Join(HeaderOf(Ciphertext), segments.Take(2));

        await Assert.ThrowsAsync<DecryptionFailedException>(() =>
            AttachmentCipher.DecryptAsync(new MemoryStream(truncated), Stream.Null, DataKey(), AttachmentId));
    }

    private static byte[] FlipBit(byte[] ciphertext, int index)
    {
        var copy = (byte[])ciphertext.Clone();
        copy[index] ^= 0x04;
        return copy;
    }
}
