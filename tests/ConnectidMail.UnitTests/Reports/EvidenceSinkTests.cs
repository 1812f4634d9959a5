using System.IO.Compression;
using System.Security.Cryptography;
using ConnectidMail.Reports;

namespace ConnectidMail.UnitTests.Reports;

/// <summary>
/// The JSON evidence is kept only deflated, in the spill file's encrypted records, while it is written: what comes out
/// must be exactly the bytes that went in, whatever the sizes of the writes and wherever the records end.
/// </summary>
public sealed class EvidenceSinkTests
{
    [Fact]
    public async Task Writes_of_any_size_come_back_byte_for_byte_with_their_length_and_md5()
    {
        // Incompressible bytes, so the deflated form spans many 64 KiB chunks and ends inside one.
        var plain = RandomNumberGenerator.GetBytes(1_000_003);
        using var spill = new SpillFile();
        EmbeddedEvidence evidence;
        await using (var sink = new EvidenceSink(spill))
        {
            var at = 0;
            var sizes = new[] { 1, 7, 65_536, 65_535, 65_537, 130_000, 3 };
            for (var i = 0; at < plain.Length; i++)
            {
                var take = Math.Min(sizes[i % sizes.Length], plain.Length - at);
                if (i % 2 == 0)
                {
                    sink.Write(plain, at, take);
                }
                else
                {
                    await sink.WriteAsync(plain.AsMemory(at, take));
                }

                at += take;
            }

            evidence = sink.Finish("evidence.json");
        }

        Assert.True(evidence.Deflated.Length > 15 * 65_536, $"the deflated form is {evidence.Deflated.Length} bytes: too few records to test");
        Assert.Equal(plain.Length, evidence.Length);
        Assert.Equal(MD5.HashData(plain), evidence.Md5);
        var deflated = new MemoryStream();
        spill.CopyTo(evidence.Deflated, deflated);
        Assert.Equal(evidence.Deflated.Length, deflated.Length);
        deflated.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(deflated, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        Assert.Equal(plain, inflated.ToArray());
    }

    [Fact]
    public void Nothing_can_be_written_after_the_evidence_is_finished()
    {
        using var spill = new SpillFile();
        using var sink = new EvidenceSink(spill);
        sink.Write("{}"u8);
        var evidence = sink.Finish("evidence.json");

        Assert.Equal(2, evidence.Length);
        Assert.Throws<ObjectDisposedException>(() => sink.Write("x"u8));
        Assert.Throws<ObjectDisposedException>(() => sink.Finish("evidence.json"));
    }
}
