using ConnectidMail.Crypto;
using static ConnectidMail.UnitTests.Crypto.AttachmentTestData;

namespace ConnectidMail.UnitTests.Crypto;

public sealed class AttachmentRoundTripTests
{
    public static TheoryData<int> Sizes => new()
    {
        0,
        1,
        Segment - 1,
        Segment,
        Segment + 1,
        2 * Segment,
        (3 * Segment) + 5,
        (5 * 1024 * 1024) + 123,
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Files_of_any_size_round_trip_and_have_the_predicted_length(int size)
    {
        var plaintext = Bytes(size);

        var ciphertext = Encrypt(plaintext);

        Assert.Equal(AttachmentCipher.GetCiphertextLength(size), ciphertext.Length);
        Assert.Equal(size, AttachmentCipher.GetPlaintextLength(ciphertext.Length));
        Assert.Equal(plaintext, Decrypt(ciphertext));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Files_round_trip_through_the_async_paths(int size)
    {
        var plaintext = Bytes(size, seed: 2);
        var dataKey = DataKey();
        using var ciphertext = new MemoryStream();

        var written = await AttachmentCipher.EncryptAsync(new MemoryStream(plaintext), ciphertext, dataKey, AttachmentId);
        ciphertext.Position = 0;
        using var decrypted = new MemoryStream();
        await AttachmentCipher.DecryptAsync(ciphertext, decrypted, dataKey, AttachmentId);

        Assert.Equal(size, written);
        Assert.Equal(plaintext, decrypted.ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 65537)]
    [InlineData(Segment, Segment)]
    [InlineData(Segment + 1, 100)]
    [InlineData(3 * Segment, 3 * Segment)]
    [InlineData(81920, 81920)]
    public void Chunking_of_writes_and_reads_does_not_change_the_result(int writeSize, int readSize)
    {
        var plaintext = Bytes((4 * Segment) + 77, seed: 3);
        var dataKey = DataKey();

        var ciphertext = AttachmentTestData.Encrypt(plaintext, dataKey, AttachmentId, writeSize);

        Assert.Equal(plaintext, AttachmentTestData.Decrypt(ciphertext, dataKey, AttachmentId, readSize));
    }

    [Fact]
    public void A_file_ending_on_a_segment_boundary_written_in_whole_segments_round_trips()
    {
        // Exercises re-sealing a segment that was sealed ahead as "not last" when the stream completes.
        var plaintext = Bytes(3 * Segment, seed: 4);

        var ciphertext = AttachmentTestData.Encrypt(plaintext, DataKey(), AttachmentId, writeSize: Segment);

        Assert.Equal(AttachmentCipher.GetCiphertextLength(plaintext.Length), ciphertext.Length);
        Assert.Equal(plaintext, Decrypt(ciphertext));
    }

    [Fact]
    public void An_empty_file_is_a_header_and_one_empty_last_segment()
    {
        var ciphertext = Encrypt([]);

        Assert.Equal(Header + 16, ciphertext.Length);
        Assert.Equal(1, ciphertext[0]);
        Assert.Empty(Decrypt(ciphertext));
    }

    [Fact]
    public void Encrypting_the_same_file_twice_gives_different_ciphertexts()
    {
        var plaintext = Bytes(1000);

        Assert.NotEqual(Encrypt(plaintext), Encrypt(plaintext));
    }

    [Fact]
    public void The_decrypting_stream_reads_the_ciphertext_only_as_far_as_it_needs()
    {
        var plaintext = Bytes(5 * Segment);
        var source = new CountingStream(Encrypt(plaintext));
        using var decrypting = AttachmentCipher.CreateDecryptingStream(source, DataKey(), AttachmentId);

        var buffer = new byte[100];
        decrypting.ReadExactly(buffer);

        // The header, one segment and the one byte that shows more follows.
        Assert.Equal(Header + CiphertextSegment + 1, source.BytesRead);
        Assert.Equal(plaintext[..100], buffer);
    }

    [Theory]
    [InlineData(0L, 56L)]
    [InlineData(1L, 57L)]
    [InlineData(65536L, 65592L)]
    [InlineData(65537L, 65609L)]
    public void Lengths_convert_both_ways(long plaintextLength, long ciphertextLength)
    {
        Assert.Equal(ciphertextLength, AttachmentCipher.GetCiphertextLength(plaintextLength));
        Assert.Equal(plaintextLength, AttachmentCipher.GetPlaintextLength(ciphertextLength));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(55L)]
    [InlineData(40L + 65552L + 15L)]
    public void Lengths_no_ciphertext_can_have_are_rejected(long ciphertextLength)
    {
        Assert.False(AttachmentCipher.TryGetPlaintextLength(ciphertextLength, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttachmentCipher.GetPlaintextLength(ciphertextLength));
    }

    [Fact]
    public void Lengths_agree_with_each_other_for_every_small_size()
    {
        for (long size = 0; size < (3 * Segment) + 40; size += 97)
        {
            Assert.Equal(size, AttachmentCipher.GetPlaintextLength(AttachmentCipher.GetCiphertextLength(size)));
        }
    }

    [Fact]
    public void Writing_after_completion_is_refused()
    {
        using var encrypting = AttachmentCipher.CreateEncryptingStream(new MemoryStream(), DataKey(), AttachmentId);
        encrypting.Complete();

        Assert.Throws<InvalidOperationException>(() => encrypting.WriteByte(1));
    }

    [Fact]
    public void A_data_key_of_the_wrong_size_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AttachmentCipher.CreateEncryptingStream(new MemoryStream(), new byte[16], AttachmentId));
        Assert.Throws<ArgumentException>(() => AttachmentCipher.CreateDecryptingStream(new MemoryStream(), new byte[16], AttachmentId));
    }

    private sealed class CountingStream(byte[] data) : MemoryStream(data)
    {
        public long BytesRead { get; private set; }

        // MemoryStream sends span reads of derived types through this overload.
        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }
    }
}
