using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Storage;
using PdfSharp.Pdf;

namespace ConnectidMail.Reports;

/// <summary>
/// Where a report keeps the bulk of its PDF until the document is written: the deflated page contents and the attached
/// evidence. PDFsharp holds every object of a document until it saves, so each of those streams gets a short marker as
/// its value instead (<see cref="Defer"/>), and the stream <see cref="Splice"/> returns puts the real bytes in place of
/// each marker as PDFsharp writes the file. The file is temporary (deleted when closed) and encrypted (AES-GCM) with a
/// key that exists only in this object, as everything the portal keeps at rest is.
/// </summary>
public sealed class SpillFile : IDisposable
{
    private const int RecordSize = 64 * 1024;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int MarkerPrefixSize = 16;
    private const int MarkerSize = MarkerPrefixSize + sizeof(int);

    private readonly FileStream file;
    private readonly AesGcm aes;
    private readonly byte[] markerPrefix = RandomNumberGenerator.GetBytes(MarkerPrefixSize);
    private readonly Lock gate = new();
    private readonly List<(long Offset, int Length)> records = [];
    private readonly List<SpilledBytes> spilled = [];
    private readonly HashSet<int> awaitingSplice = [];
    private readonly byte[] sealedRecord = new byte[RecordSize + TagSize];
    private readonly byte[] plainRecord = new byte[RecordSize];
    private long end;
    private bool disposed;

    public SpillFile()
    {
        file = TemporaryFile.Create("report-spill", bufferSize: 0);
        var key = RandomNumberGenerator.GetBytes(32);
        aes = new AesGcm(key, TagSize);
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>Keeps these bytes in the file; safe to call from several threads.</summary>
    public SpilledBytes Add(ReadOnlySpan<byte> bytes)
    {
        var recordIndexes = new int[(bytes.Length + RecordSize - 1) / RecordSize];
        for (var i = 0; i < recordIndexes.Length; i++)
        {
            recordIndexes[i] = AppendRecord(bytes.Slice(i * RecordSize, Math.Min(RecordSize, bytes.Length - (i * RecordSize))));
        }

        return Register(recordIndexes, bytes.Length);
    }

    /// <summary>A stream whose bytes are kept in the file as they are written, for content too large to hold first.</summary>
    public SpillWriter NewWriter()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return new SpillWriter(this);
    }

    /// <summary>
    /// Gives the dictionary's stream a marker in place of these bytes, and its length as theirs: written through
    /// <see cref="Splice"/>, the file holds the bytes themselves. The dictionary's filter is the caller's to set.
    /// </summary>
    public void Defer(PdfDictionary owner, SpilledBytes bytes)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(bytes);
        if (!ReferenceEquals(bytes.Spill, this))
        {
            throw new ArgumentException("The bytes were kept in another spill file.", nameof(bytes));
        }

        lock (gate)
        {
            awaitingSplice.Add(bytes.Id);
        }

        var marker = new byte[MarkerSize];
        markerPrefix.CopyTo(marker, 0);
        BinaryPrimitives.WriteInt32LittleEndian(marker.AsSpan(MarkerPrefixSize), bytes.Id);
        if (owner.Stream is { } stream)
        {
            stream.Value = marker;
        }
        else
        {
            owner.CreateStream(marker);
        }

        owner.Elements["/Length"] = new PdfLongInteger(bytes.Length);
    }

    /// <summary>A stream over <paramref name="destination"/> that writes the deferred bytes where PDFsharp writes a marker (and leaves the destination open).</summary>
    public Stream Splice(Stream destination)
    {
        ThrowIfNotSpliceable(destination);
        return new SplicingStream(this, destination);
    }

    /// <summary>The destination must be a stream that can be read back and seeked in, such as a file: each spliced stream's length is set after it is written.</summary>
    public static void ThrowIfNotSpliceable(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanSeek || !destination.CanRead || !destination.CanWrite)
        {
            throw new ArgumentException("The report must be written to a stream that can be read back and seeked in, such as a file.", nameof(destination));
        }
    }

    /// <summary>After the document is written: throws if a deferred stream's marker never reached the splicer, so its bytes are missing from the file.</summary>
    public void ThrowIfAnyNotSpliced()
    {
        lock (gate)
        {
            if (awaitingSplice.Count > 0)
            {
                throw new InvalidOperationException($"{awaitingSplice.Count} deferred stream(s) were not written in place of their markers; the file is incomplete.");
            }
        }
    }

    /// <summary>Writes the kept bytes, decrypted, to <paramref name="destination"/>.</summary>
    public void CopyTo(SpilledBytes bytes, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> nonce = stackalloc byte[NonceSize];
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            foreach (var index in bytes.Records)
            {
                var (offset, length) = records[index];
                var cipher = sealedRecord.AsSpan(0, length + TagSize);
                for (var read = 0; read < cipher.Length;)
                {
                    var got = RandomAccess.Read(file.SafeFileHandle, cipher[read..], offset + read);
                    read += got > 0 ? got : throw new EndOfStreamException("The report's spill file ended early.");
                }

                Nonce(index, nonce);
                aes.Decrypt(nonce, cipher[..length], cipher[length..], plainRecord.AsSpan(0, length));
                destination.Write(plainRecord, 0, length);
            }
        }
    }

    /// <summary>The file itself, for tests that look at what is kept at rest.</summary>
    internal Microsoft.Win32.SafeHandles.SafeFileHandle Handle => file.SafeFileHandle;

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            aes.Dispose();
            file.Dispose();
        }
    }

    /// <summary>One record: up to 64 KiB, encrypted with its index as the nonce (each index is used once per key).</summary>
    private int AppendRecord(ReadOnlySpan<byte> plain)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            // The index (the nonce) and the place are taken before anything is written, so a write that fails half-way
            // never lets the next record reuse either.
            var index = records.Count;
            var offset = end;
            var record = sealedRecord.AsSpan(0, plain.Length + TagSize);
            records.Add((offset, plain.Length));
            end += record.Length;
            Span<byte> nonce = stackalloc byte[NonceSize];
            Nonce(index, nonce);
            aes.Encrypt(nonce, plain, record[..plain.Length], record[plain.Length..]);
            RandomAccess.Write(file.SafeFileHandle, record, offset);
            return index;
        }
    }

    private SpilledBytes Register(int[] recordIndexes, long length)
    {
        lock (gate)
        {
            var bytes = new SpilledBytes(this, spilled.Count, recordIndexes, length);
            spilled.Add(bytes);
            return bytes;
        }
    }

    private static void Nonce(int index, Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(nonce, index);
    }

    /// <summary>The bytes a marker stands for, or null when these bytes are not one of this file's markers.</summary>
    private SpilledBytes? Marked(ReadOnlySpan<byte> written)
    {
        if (written.Length != MarkerSize || !written[..MarkerPrefixSize].SequenceEqual(markerPrefix))
        {
            return null;
        }

        var id = BinaryPrimitives.ReadInt32LittleEndian(written[MarkerPrefixSize..]);
        lock (gate)
        {
            if (id < 0 || id >= spilled.Count)
            {
                throw new InvalidOperationException($"No bytes were kept under marker {id}.");
            }

            awaitingSplice.Remove(id);
            return spilled[id];
        }
    }

    /// <summary>Writes in records of 64 KiB, each encrypted and kept as soon as it is full; <see cref="Finish"/> keeps the rest.</summary>
    public sealed class SpillWriter : Stream
    {
        private readonly SpillFile spill;
        private readonly byte[] buffer = new byte[RecordSize];
        private readonly List<int> recordIndexes = [];
        private int buffered;
        private long length;
        private bool finished;

        internal SpillWriter(SpillFile spill) => this.spill = spill;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !finished;

        public override long Length => length;

        public override long Position
        {
            get => length;
            set => throw new NotSupportedException();
        }

        public SpilledBytes Finish()
        {
            ObjectDisposedException.ThrowIf(finished, this);
            if (buffered > 0)
            {
                KeepBuffered();
            }

            finished = true;
            return spill.Register([.. recordIndexes], length);
        }

        public override void Write(ReadOnlySpan<byte> bytes)
        {
            ObjectDisposedException.ThrowIf(finished, this);
            while (!bytes.IsEmpty)
            {
                var take = Math.Min(bytes.Length, RecordSize - buffered);
                bytes[..take].CopyTo(buffer.AsSpan(buffered));
                buffered += take;
                length += take;
                bytes = bytes[take..];
                if (buffered == RecordSize)
                {
                    KeepBuffered();
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
            // Records are kept when full or at Finish, so their boundaries do not depend on when a caller flushes.
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            finished = true;
            base.Dispose(disposing);
        }

        private void KeepBuffered()
        {
            recordIndexes.Add(spill.AppendRecord(buffer.AsSpan(0, buffered)));
            buffered = 0;
        }
    }

    /// <summary>
    /// Passes everything through to the destination (positions included, so PDFsharp's cross-reference offsets and its
    /// signature's byte ranges are those of the real file), except a write that is exactly one of the spill file's
    /// markers: PDFsharp writes a stream's value in one call, and in its place go the bytes the marker stands for.
    /// For a page's content PDFsharp has just written the marker's length as the stream's <c>/Length</c> (it sets that
    /// from the value), so the end of the file, from that entry to the <c>stream</c> keyword, is written again with the
    /// real length. No position was taken in between: PDFsharp notes an object's offset before its dictionary.
    /// </summary>
    private sealed class SplicingStream(SpillFile spill, Stream destination) : Stream
    {
        private const int TailSize = 4096;

        public override bool CanRead => destination.CanRead;

        public override bool CanSeek => destination.CanSeek;

        public override bool CanWrite => destination.CanWrite;

        public override long Length => destination.Length;

        public override long Position
        {
            get => destination.Position;
            set => destination.Position = value;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (spill.Marked(buffer) is { } bytes)
            {
                WriteLength(bytes.Length);
                spill.CopyTo(bytes, destination);
            }
            else
            {
                destination.Write(buffer);
            }
        }

        private void WriteLength(long length)
        {
            var end = destination.Position;
            var tail = new byte[(int)Math.Min(end, TailSize)];
            destination.Position = end - tail.Length;
            destination.ReadExactly(tail);
            var at = tail.AsSpan().LastIndexOf("/Length "u8);
            var digits = at < 0 ? [] : tail.AsSpan(at + 8);
            digits = digits[..Math.Max(0, digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9'))];
            if (at < 0 || digits.IsEmpty || !tail.AsSpan().EndsWith("stream\n"u8) || tail.AsSpan(at).IndexOf("endobj"u8) >= 0
                || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var written) || (written != length && written != MarkerSize))
            {
                throw new InvalidOperationException("PDFsharp did not write a deferred stream's length where it is expected.");
            }

            if (written != length)
            {
                // PDFsharp wrote the marker's length (it sets a content stream's /Length from its value).
                var rest = tail.AsSpan(at + 8 + digits.Length);
                destination.Position = end - tail.Length + at;
                destination.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"/Length {length}")));
                destination.Write(rest);
            }
            else
            {
                destination.Position = end;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value) => destination.WriteByte(value);

        public override int Read(byte[] buffer, int offset, int count) => destination.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => destination.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => destination.Seek(offset, origin);

        public override void SetLength(long value) => destination.SetLength(value);

        public override void Flush() => destination.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => destination.FlushAsync(cancellationToken);
    }
}

/// <summary>Bytes kept in a <see cref="SpillFile"/>: the records that hold them (writers on other threads may have kept theirs in between) and how many there are.</summary>
public sealed class SpilledBytes
{
    internal SpilledBytes(SpillFile spill, int id, int[] records, long length) => (Spill, Id, Records, Length) = (spill, id, records, length);

    public long Length { get; }

    internal SpillFile Spill { get; }

    internal int Id { get; }

    internal int[] Records { get; }
}
