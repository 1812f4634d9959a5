using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ConnectidMail.Crypto;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// The streaming attachment format against bare AES-256-GCM over the same 16 MiB in 64 KiB chunks, in the same run.
/// The ratio column (streaming time / raw time) shows the format's overhead; throughput is the inverse ratio.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[Config(typeof(ThroughputConfig))]
public class StreamingThroughputBenchmarks
{
    public const int DataSize = 16 * 1024 * 1024;
    private const int ChunkSize = 64 * 1024;
    private const int TagSize = 16;
    private static readonly Guid AttachmentId = Guid.Parse("0b6f4e1a-6f43-4d7e-8d8f-3a9f6a2c1b02");

    private readonly byte[] nonce = new byte[12];
    private readonly byte[] chunkCiphertext = new byte[ChunkSize];
    private readonly byte[] chunkPlaintext = new byte[ChunkSize];
    private readonly byte[] tag = new byte[TagSize];
    private byte[] plaintext = [];
    private byte[] dataKey = [];
    private byte[] rawCiphertext = [];
    private byte[] rawTags = [];
    private byte[] streamCiphertext = [];
    private AesGcm? rawAes;

    [GlobalSetup]
    public void Setup()
    {
        plaintext = RandomNumberGenerator.GetBytes(DataSize);
        dataKey = RandomNumberGenerator.GetBytes(32);
        rawAes = new AesGcm(dataKey, TagSize);

        rawCiphertext = new byte[DataSize];
        rawTags = new byte[DataSize / ChunkSize * TagSize];
        for (var chunk = 0; chunk < DataSize / ChunkSize; chunk++)
        {
            SetNonce(chunk);
            rawAes.Encrypt(nonce, Chunk(plaintext, chunk), Chunk(rawCiphertext, chunk), rawTags.AsSpan(chunk * TagSize, TagSize));
        }

        using var ciphertext = new MemoryStream();
        using (var encrypting = AttachmentCipher.CreateEncryptingStream(ciphertext, dataKey, AttachmentId, leaveOpen: true))
        {
            encrypting.Write(plaintext);
            encrypting.Complete();
        }

        streamCiphertext = ciphertext.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => rawAes?.Dispose();

    [Benchmark(Baseline = true, Description = "Raw AesGcm encrypt")]
    [BenchmarkCategory("Encrypt")]
    public void RawEncrypt()
    {
        for (var chunk = 0; chunk < DataSize / ChunkSize; chunk++)
        {
            SetNonce(chunk);
            rawAes!.Encrypt(nonce, Chunk(plaintext, chunk), chunkCiphertext, tag);
        }
    }

    /// <summary>Raw AES-GCM plus the same output stream writes the streaming encryptor does (Stream.Null).</summary>
    [Benchmark(Description = "Raw AesGcm encrypt + Stream.Write")]
    [BenchmarkCategory("Encrypt")]
    public void RawEncryptWithStreamWrites()
    {
        var output = Stream.Null;
        for (var chunk = 0; chunk < DataSize / ChunkSize; chunk++)
        {
            SetNonce(chunk);
            rawAes!.Encrypt(nonce, Chunk(plaintext, chunk), chunkCiphertext, tag);
            output.Write(chunkCiphertext);
            output.Write(tag);
        }
    }

    [Benchmark(Description = "Streaming encrypt")]
    [BenchmarkCategory("Encrypt")]
    public void StreamingEncrypt()
    {
        using var encrypting = AttachmentCipher.CreateEncryptingStream(Stream.Null, dataKey, AttachmentId);
        for (var chunk = 0; chunk < DataSize / ChunkSize; chunk++)
        {
            encrypting.Write(Chunk(plaintext, chunk));
        }

        encrypting.Complete();
    }

    [Benchmark(Baseline = true, Description = "Raw AesGcm decrypt")]
    [BenchmarkCategory("Decrypt")]
    public void RawDecrypt()
    {
        for (var chunk = 0; chunk < DataSize / ChunkSize; chunk++)
        {
            SetNonce(chunk);
            rawAes!.Decrypt(nonce, Chunk(rawCiphertext, chunk), rawTags.AsSpan(chunk * TagSize, TagSize), chunkPlaintext);
        }
    }

    /// <summary>
    /// Raw AES-GCM fed by 64 KiB reads from a MemoryStream: the one copy any Stream-based reader makes, which bare
    /// AES-GCM over an in-memory array does not.
    /// </summary>
    [Benchmark(Description = "Raw AesGcm decrypt + Stream.Read")]
    [BenchmarkCategory("Decrypt")]
    public void RawDecryptWithStreamReads()
    {
        using var input = new MemoryStream(rawCiphertext, writable: false);
        for (var chunk = 0; chunk < DataSize / ChunkSize; chunk++)
        {
            SetNonce(chunk);
            input.ReadExactly(chunkCiphertext);
            rawAes!.Decrypt(nonce, chunkCiphertext, rawTags.AsSpan(chunk * TagSize, TagSize), chunkPlaintext);
        }
    }

    [Benchmark(Description = "Streaming decrypt")]
    [BenchmarkCategory("Decrypt")]
    public void StreamingDecrypt()
    {
        using var decrypting = AttachmentCipher.CreateDecryptingStream(
            new MemoryStream(streamCiphertext, writable: false), dataKey, AttachmentId);
        while (decrypting.Read(chunkPlaintext) > 0)
        {
        }
    }

    /// <summary>What a download does: the seekable view the portal hands to Results.File, read front to back in 64 KiB reads.</summary>
    [Benchmark(Description = "Random-access decrypt, whole file")]
    [BenchmarkCategory("Decrypt")]
    public void RandomAccessDecrypt()
    {
        using var decrypting = AttachmentCipher.OpenRandomAccess(
            new MemoryStream(streamCiphertext, writable: false), dataKey, AttachmentId);
        while (decrypting.Read(chunkPlaintext) > 0)
        {
        }
    }

    /// <summary>The same through ReadAsync, as ASP.NET Core's file result reads it (the MemoryStream completes synchronously).</summary>
    [Benchmark(Description = "Random-access decrypt, whole file, ReadAsync")]
    [BenchmarkCategory("Decrypt")]
    public async Task RandomAccessDecryptAsync()
    {
        await using var decrypting = AttachmentCipher.OpenRandomAccess(
            new MemoryStream(streamCiphertext, writable: false), dataKey, AttachmentId);
        while (await decrypting.ReadAsync(chunkPlaintext) > 0)
        {
        }
    }

    private static Span<byte> Chunk(byte[] data, int chunk) => data.AsSpan(chunk * ChunkSize, ChunkSize);

    private void SetNonce(int chunk) => BinaryPrimitives.WriteInt32BigEndian(nonce.AsSpan(7), chunk);
}
