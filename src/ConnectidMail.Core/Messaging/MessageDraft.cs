using System.Buffers;
using System.Security.Cryptography;
using ConnectidMail.Crypto;
using ConnectidMail.Keys;
using ConnectidMail.Storage;
using ConnectidMail.Uploads;

namespace ConnectidMail.Messaging;

/// <summary>
/// A message being received: its id and data key exist from the start, so files can be encrypted to blobs as they
/// stream in (in any order with the message part). Disposing a draft that was not sent deletes its blobs and takes
/// back its key, so a refused or broken upload leaves nothing behind.
/// </summary>
public sealed class MessageDraft : IAsyncDisposable
{
    private readonly byte[] dataKey;
    private readonly BlobStore blobs;
    private readonly KeyStore keys;
    private readonly PolicyOptions policy;
    private readonly UploadChecks checks;
    private readonly List<DraftFile> files = [];
    private bool sent;

    internal MessageDraft(Guid messageId, byte[] dataKey, BlobStore blobs, KeyStore keys, PolicyOptions policy, UploadChecks checks)
    {
        this.checks = checks;
        MessageId = messageId;
        this.dataKey = dataKey;
        this.blobs = blobs;
        this.keys = keys;
        this.policy = policy;
    }

    public Guid MessageId { get; }

    public long TotalBytes { get; private set; }

    internal IReadOnlyList<DraftFile> Files => files;

    internal ReadOnlySpan<byte> DataKey => dataKey;

    /// <summary>
    /// Encrypts <paramref name="content"/> into a new blob, refusing it (and deleting what was written) past a policy limit
    /// or when <see cref="UploadChecks"/> refuse it.
    /// </summary>
    public async Task AddFileAsync(string? fileName, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ObjectDisposedException.ThrowIf(sent, this);
        if (files.Count >= policy.MaxFiles)
        {
            throw MessageRejectedException.ForField("files", $"A message may have at most {policy.MaxFiles} files.", tooLarge: true);
        }

        var name = FileNames.Clean(fileName);
        var attachmentId = Guid.NewGuid();
        await using var inspection = await checks.BeginAsync(name, MessageId, attachmentId, cancellationToken);
        long size = 0;
        var blob = await blobs.WriteAsync(
            async (destination, ct) =>
            {
                await using var encrypting = AttachmentCipher.CreateEncryptingStream(destination, dataKey, attachmentId, leaveOpen: true);
                var buffer = ArrayPool<byte>.Shared.Rent(AttachmentCipher.SegmentSize);
                try
                {
                    int read;
                    while ((read = await content.ReadAsync(buffer.AsMemory(0, AttachmentCipher.SegmentSize), ct)) > 0)
                    {
                        size += read;
                        if (size > policy.MaxFileBytes)
                        {
                            throw MessageRejectedException.ForField(
                                "files", $"Each file may be at most {ByteSize.Format(policy.MaxFileBytes)}.", tooLarge: true);
                        }

                        if (TotalBytes + size > policy.MaxMessageBytes)
                        {
                            throw MessageRejectedException.ForField(
                                "files", $"All files of a message together may be at most {ByteSize.Format(policy.MaxMessageBytes)}.", tooLarge: true);
                        }

                        await inspection.InspectAsync(buffer.AsMemory(0, read), ct);
                        await encrypting.WriteAsync(buffer.AsMemory(0, read), ct);
                    }
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(buffer);
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                await inspection.CompleteAsync(ct);
                await encrypting.CompleteAsync(ct);
            },
            cancellationToken);
        TotalBytes += size;
        files.Add(new DraftFile(attachmentId, name, size, blob));
    }

    internal void MarkSent() => sent = true;

    public ValueTask DisposeAsync()
    {
        if (!sent)
        {
            foreach (var file in files)
            {
                blobs.Delete(file.Blob);
            }

            keys.DiscardUnsavedDataKey(MessageId);
        }

        CryptographicOperations.ZeroMemory(dataKey);
        return ValueTask.CompletedTask;
    }
}

internal sealed record DraftFile(Guid AttachmentId, string Name, long Size, BlobName Blob);

/// <summary>Byte counts as people read them (binary units, as the limits are set).</summary>
public static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
