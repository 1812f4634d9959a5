using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Reports;

namespace ConnectidMail.UnitTests.Reports;

/// <summary>
/// The report's bulky streams wait in an encrypted temporary file and are put back where PDFsharp writes their markers:
/// they must come back byte for byte, the file must hold none of them in the clear, a changed byte must fail, and
/// nothing but an exact marker of this file may be replaced.
/// </summary>
public sealed class SpillFileTests
{
    [Fact]
    public async Task Bytes_kept_from_two_threads_at_once_come_back_byte_for_byte()
    {
        using var spill = new SpillFile();
        var pages = Enumerable.Range(0, 200).Select(i => RandomNumberGenerator.GetBytes(1 + (i * 97 % 9000))).ToArray();
        var evidence = RandomNumberGenerator.GetBytes(700_001); // eleven records, the last one short
        SpilledBytes? evidenceKept = null;
        var keptPages = new SpilledBytes[pages.Length];

        // As in a report: the layout thread keeps pages while the reading thread writes the evidence, so their records
        // interleave in the file.
        await Task.WhenAll(
            Task.Run(() =>
            {
                for (var i = 0; i < pages.Length; i++)
                {
                    keptPages[i] = spill.Add(pages[i]);
                }
            }),
            Task.Run(() =>
            {
                using var writer = spill.NewWriter();
                for (var at = 0; at < evidence.Length; at += 3_001)
                {
                    writer.Write(evidence.AsSpan(at, Math.Min(3_001, evidence.Length - at)));
                }

                evidenceKept = writer.Finish();
            }));

        Assert.Equal(evidence, Read(spill, evidenceKept!));
        Assert.Equal(evidence.Length, evidenceKept!.Length);
        for (var i = 0; i < pages.Length; i++)
        {
            Assert.Equal(pages[i], Read(spill, keptPages[i]));
        }
    }

    [Fact]
    public void The_file_holds_none_of_the_bytes_in_the_clear_and_a_changed_byte_fails()
    {
        using var spill = new SpillFile();
        var plain = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("anna@example.com 203.0.113.7 ", 3000)));
        var kept = spill.Add(plain);

        var size = RandomAccess.GetLength(spill.Handle);
        var atRest = new byte[size];
        RandomAccess.Read(spill.Handle, atRest, 0);
        Assert.True(size >= plain.Length, $"{size} bytes at rest for {plain.Length}");
        Assert.Equal(-1, atRest.AsSpan().IndexOf("anna@example.com"u8));

        atRest[size / 2] ^= 0x01;
        RandomAccess.Write(spill.Handle, atRest.AsSpan((int)(size / 2), 1), size / 2);
        Assert.ThrowsAny<CryptographicException>(() => Read(spill, kept));
    }

    [Fact]
    public void A_marker_is_replaced_by_its_bytes_and_its_length_and_nothing_else_is_touched()
    {
        using var spill = new SpillFile();
        var content = RandomNumberGenerator.GetBytes(70_000);
        var owner = Owner();
        spill.Defer(owner, spill.Add(content));
        var marker = owner.Stream!.Value;
        Assert.True(marker.Length < 64, $"the marker is {marker.Length} bytes");

        // A write of the same size that is not this file's marker is passed through as it is.
        var lookalike = (byte[])marker.Clone();
        lookalike[0] ^= 0xFF;

        // What PDFsharp writes for a content stream: the marker's length as /Length, then the marker as the value.
        using var file = new MemoryStream();
        using (var spliced = spill.Splice(file))
        {
            spliced.Write(Encoding.ASCII.GetBytes($"5 0 obj\n<</Length {marker.Length}/Filter/FlateDecode>>\nstream\n"));
            spliced.Write(marker);
            spliced.Write("\nendstream\nendobj\n"u8);
            spliced.Write(lookalike);
        }

        var written = file.ToArray();
        var head = Encoding.ASCII.GetBytes($"5 0 obj\n<</Length {content.Length}/Filter/FlateDecode>>\nstream\n");
        Assert.Equal(head, written[..head.Length]);
        Assert.Equal(content, written[head.Length..(head.Length + content.Length)]);
        Assert.Equal("\nendstream\nendobj\n"u8.ToArray(), written[(head.Length + content.Length)..^marker.Length]);
        Assert.Equal(lookalike, written[^marker.Length..]);

        // Another report's spill file cannot lend its bytes.
        using var other = new SpillFile();
        Assert.Throws<ArgumentException>(() => other.Defer(owner, spill.Add([1, 2, 3])));
    }

    [Fact]
    public void A_marker_whose_length_is_not_where_pdfsharp_writes_it_fails_instead_of_writing_a_broken_file()
    {
        using var spill = new SpillFile();
        var owner = Owner();
        spill.Defer(owner, spill.Add([1, 2, 3, 4]));
        using var file = new MemoryStream();
        using var spliced = spill.Splice(file);
        spliced.Write("5 0 obj\n<</Filter/FlateDecode>>\nstream\n"u8);

        Assert.Throws<InvalidOperationException>(() => spliced.Write(owner.Stream!.Value));
    }

    [Fact]
    public void Each_record_has_its_own_nonce_and_a_record_moved_to_another_place_fails()
    {
        using var spill = new SpillFile();
        var same = new byte[1000];
        var first = spill.Add(same);
        var second = spill.Add(same);

        var atRest = new byte[RandomAccess.GetLength(spill.Handle)];
        RandomAccess.Read(spill.Handle, atRest, 0);
        var sealedSize = atRest.Length / 2;
        Assert.False(atRest.AsSpan(0, sealedSize).SequenceEqual(atRest.AsSpan(sealedSize)), "the same bytes sealed twice must differ");

        // The records swapped: each is authentic, but not at its place.
        RandomAccess.Write(spill.Handle, atRest.AsSpan(sealedSize), 0);
        RandomAccess.Write(spill.Handle, atRest.AsSpan(0, sealedSize), sealedSize);
        Assert.ThrowsAny<CryptographicException>(() => Read(spill, first));
        Assert.ThrowsAny<CryptographicException>(() => Read(spill, second));
    }

    [Fact]
    public void Several_markers_in_one_file_each_get_their_bytes_and_length_even_with_fewer_digits_than_the_marker()
    {
        using var spill = new SpillFile();
        var small = new byte[] { 1, 2, 3, 4, 5 };
        var large = RandomNumberGenerator.GetBytes(300);
        var (smallOwner, largeOwner) = (Owner(), Owner());
        spill.Defer(smallOwner, spill.Add(small));
        spill.Defer(largeOwner, spill.Add(large));

        using var file = new MemoryStream();
        using (var spliced = spill.Splice(file))
        {
            foreach (var (number, owner) in new[] { (7, smallOwner), (8, largeOwner) })
            {
                spliced.Write(Encoding.ASCII.GetBytes($"{number} 0 obj\n<</Length {owner.Stream!.Value.Length}>>\nstream\n"));
                spliced.Write(owner.Stream.Value);
                spliced.Write("\nendstream\nendobj\n"u8);
            }
        }

        spill.ThrowIfAnyNotSpliced();
        var expected = new MemoryStream();
        expected.Write("7 0 obj\n<</Length 5>>\nstream\n"u8);
        expected.Write(small);
        expected.Write("\nendstream\nendobj\n8 0 obj\n<</Length 300>>\nstream\n"u8);
        expected.Write(large);
        expected.Write("\nendstream\nendobj\n"u8);
        Assert.Equal(expected.ToArray(), file.ToArray());
    }

    [Fact]
    public void A_deferred_stream_that_never_reached_the_file_or_an_unknown_marker_fails_the_report()
    {
        using var spill = new SpillFile();
        var (written, forgotten) = (Owner(), Owner());
        spill.Defer(written, spill.Add([1, 2, 3]));
        spill.Defer(forgotten, spill.Add([4, 5, 6]));

        using var file = new MemoryStream();
        using var spliced = spill.Splice(file);
        spliced.Write("1 0 obj\n<</Length 20>>\nstream\n"u8);
        spliced.Write(written.Stream!.Value);
        Assert.Throws<InvalidOperationException>(spill.ThrowIfAnyNotSpliced);

        var unknown = (byte[])written.Stream.Value.Clone();
        unknown[^1] = 0x7F; // this file's prefix, an id it never gave out
        Assert.Throws<InvalidOperationException>(() => spliced.Write(unknown));
    }

    [Fact]
    public void Nothing_is_kept_after_it_is_closed_and_a_one_way_destination_is_refused()
    {
        var spill = new SpillFile();
        spill.Dispose();
        Assert.Throws<ObjectDisposedException>(() => spill.Add([1]));
        Assert.Throws<ObjectDisposedException>(() => spill.NewWriter());

        using var open = new SpillFile();
        using var oneWay = new System.IO.Compression.GZipStream(new MemoryStream(), System.IO.Compression.CompressionMode.Compress);
        Assert.Throws<ArgumentException>(() => open.Splice(oneWay));
    }

    private static PdfSharp.Pdf.PdfDictionary Owner() => new(new PdfSharp.Pdf.PdfDocument());

    private static byte[] Read(SpillFile spill, SpilledBytes kept)
    {
        using var copy = new MemoryStream();
        spill.CopyTo(kept, copy);
        return copy.ToArray();
    }
}
