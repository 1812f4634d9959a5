using ConnectidMail.Crypto;
using static ConnectidMail.UnitTests.Crypto.AttachmentTestData;

namespace ConnectidMail.UnitTests.Crypto;

public sealed class AttachmentRandomAccessTests
{
    private static readonly byte[] Plaintext = Bytes((3 * 1024 * 1024) + 4321, seed: 31);
    private static readonly byte[] Ciphertext = Encrypt(Plaintext);

    [Fact]
    public void Many_arbitrary_ranges_equal_the_plaintext_slice()
    {
        var random = new Random(2024);
        for (var i = 0; i < 300; i++)
        {
            var offset = random.NextInt64(0, Plaintext.Length + 1);
            var length = random.Next(4) switch
            {
                0 => random.NextInt64(0, 17),
                1 => random.NextInt64(0, Segment + 2),
                _ => random.NextInt64(0, Plaintext.Length - offset + 1),
            };
            length = Math.Min(length, Plaintext.Length - offset);

            Assert.Equal(Plaintext[(int)offset..(int)(offset + length)], ReadRange(offset, length, readSize: random.Next(1, 100_000)));
        }
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(0L, 1L)]
    [InlineData(Segment - 1L, 2L)]
    [InlineData(Segment, Segment)]
    [InlineData(Segment - 1L, Segment + 2L)]
    [InlineData(3L * 1024 * 1024, 4321L)]
    [InlineData((3L * 1024 * 1024) + 4320, 1L)]
    [InlineData((3L * 1024 * 1024) + 4321, 0L)]
    public void Edge_ranges_equal_the_plaintext_slice(long offset, long length)
        => Assert.Equal(Plaintext[(int)offset..(int)(offset + length)], ReadRange(offset, length, readSize: 4096));

    [Fact]
    public void A_range_reads_only_the_header_and_the_segments_that_hold_it()
    {
        var source = new ReadTrackingStream(Ciphertext);
        using var range = AttachmentCipher.OpenRange(source, DataKey(), AttachmentId, offset: (10L * Segment) + 5, length: Segment);

        range.CopyTo(Stream.Null);

        Assert.Equal(Header + (2 * CiphertextSegment), source.BytesRead);
    }

    [Fact]
    public void The_seekable_stream_reads_anywhere_in_any_order()
    {
        using var stream = AttachmentCipher.OpenRandomAccess(new MemoryStream(Ciphertext), DataKey(), AttachmentId);
        var random = new Random(7);
        var buffer = new byte[70_000];

        Assert.Equal(Plaintext.Length, stream.Length);
        for (var i = 0; i < 100; i++)
        {
            var position = random.NextInt64(0, Plaintext.Length);
            stream.Seek(position, SeekOrigin.Begin);
            var read = stream.ReadAtLeast(buffer, Math.Min(buffer.Length, Plaintext.Length - (int)position));

            Assert.Equal(Plaintext.AsSpan((int)position, read), buffer.AsSpan(0, read));
            Assert.Equal(position + read, stream.Position);
        }
    }

    [Fact]
    public async Task The_whole_file_read_through_random_access_asynchronously_equals_the_plaintext()
    {
        await using var stream = AttachmentCipher.OpenRandomAccess(new MemoryStream(Ciphertext), DataKey(), AttachmentId);
        using var copy = new MemoryStream();

        await stream.CopyToAsync(copy);

        Assert.Equal(Plaintext, copy.ToArray());
    }

    [Fact]
    public void An_empty_file_has_an_empty_range()
    {
        using var stream = AttachmentCipher.OpenRandomAccess(new MemoryStream(Encrypt([])), DataKey(), AttachmentId);

        Assert.Equal(0, stream.Length);
        Assert.Equal(0, stream.Read(new byte[10]));
    }

    [Theory]
    [InlineData(-1L, 1L)]
    [InlineData(0L, -1L)]
    [InlineData(0L, (3L * 1024 * 1024) + 4322)]
    [InlineData((3L * 1024 * 1024) + 4322, 0L)]
    [InlineData(100L, (3L * 1024 * 1024) + 4321)]
    public void Ranges_outside_the_file_are_refused(long offset, long length)
        => Assert.Throws<ArgumentOutOfRangeException>(() =>
            AttachmentCipher.OpenRange(new MemoryStream(Ciphertext), DataKey(), AttachmentId, offset, length));

    [Fact]
    public void A_tampered_segment_fails_when_a_range_touches_it()
    {
        var tampered = (byte[])Ciphertext.Clone();
        tampered[Header + (5 * CiphertextSegment) + 3] ^= 1;

        Assert.Equal(Plaintext[..100], ReadRange(tampered, 0, 100));
        Assert.Throws<DecryptionFailedException>(() => ReadRange(tampered, (5L * Segment) + 10, 100));
    }

    [Fact]
    public async Task Whole_segment_reads_go_straight_into_the_callers_buffer_and_a_tampered_one_leaves_it_zeroed()
    {
        var tampered = (byte[])Ciphertext.Clone();
        tampered[Header + (2 * CiphertextSegment) + 3] ^= 1;
        await using var stream = AttachmentCipher.OpenRandomAccess(new MemoryStream(tampered), DataKey(), AttachmentId);
        var buffer = new byte[Segment];

        Assert.Equal(Segment, await stream.ReadAsync(buffer));
        Assert.Equal(Plaintext[..Segment], buffer);
        Assert.Equal(Segment, stream.Read(buffer));
        Assert.Equal(Plaintext[Segment..(2 * Segment)], buffer);

        await Assert.ThrowsAsync<DecryptionFailedException>(async () => await stream.ReadExactlyAsync(buffer));
        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.Throws<DecryptionFailedException>(() => stream.Read(buffer));
    }

    [Fact]
    public void A_tampered_header_fails_every_range()
    {
        var tampered = (byte[])Ciphertext.Clone();
        tampered[5] ^= 1;

        Assert.Throws<DecryptionFailedException>(() => ReadRange(tampered, 0, 10));
    }

    [Fact]
    public void Truncation_at_a_segment_boundary_fails_where_the_cut_file_ends()
    {
        var segments = SegmentsOf(Ciphertext);
        var truncated = Join(HeaderOf(Ciphertext), segments.Take(10));

        // The new last segment was sealed as "not last", so reading it fails.
        Assert.Throws<DecryptionFailedException>(() => ReadRange(truncated, (9L * Segment) + 1, 10));
    }

    [Fact]
    public void Swapped_segments_fail_in_random_access()
    {
        var segments = SegmentsOf(Ciphertext);
        (segments[3], segments[4]) = (segments[4], segments[3]);

        Assert.Throws<DecryptionFailedException>(() => ReadRange(Join(HeaderOf(Ciphertext), segments), 3L * Segment, 10));
    }

    [Fact]
    public void A_ciphertext_moved_under_another_attachment_id_fails_in_random_access()
        => Assert.Throws<DecryptionFailedException>(() =>
        {
            using var stream = AttachmentCipher.OpenRange(new MemoryStream(Ciphertext), DataKey(), OtherAttachmentId, 0, 10);
            stream.ReadExactly(new byte[10]);
        });

    [Fact]
    public void A_ciphertext_of_an_impossible_length_is_refused()
        => Assert.Throws<DecryptionFailedException>(() =>
            AttachmentCipher.OpenRandomAccess(new MemoryStream(Ciphertext[..(Header + CiphertextSegment + 3)]), DataKey(), AttachmentId));

    private static byte[] ReadRange(long offset, long length, int readSize) => ReadRange(Ciphertext, offset, length, readSize);

    private static byte[] ReadRange(byte[] ciphertext, long offset, long length, int readSize = 8192)
    {
        using var range = AttachmentCipher.OpenRange(new MemoryStream(ciphertext), DataKey(), AttachmentId, offset, length);
        Assert.Equal(length, range.Length);
        var result = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = range.Read(buffer)) > 0)
        {
            result.Write(buffer, 0, read);
        }

        return result.ToArray();
    }

    private sealed class ReadTrackingStream(byte[] data) : MemoryStream(data)
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
