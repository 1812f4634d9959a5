using MimeKit;

namespace ConnectidMail.Mail;

/// <summary>
/// Writes each mail as <c>&lt;outbox id&gt;.eml</c> to the mail-outbox folder. A file is written in <c>.incoming</c>,
/// flushed to disk and renamed into place, so no partial file is ever visible; a retry after a crash overwrites the same
/// name instead of adding a second copy. The files hold live links and codes, so they are private to the owner.
/// </summary>
internal sealed class PickupFolderTransport(string folder, TimeProvider clock) : IMailTransport
{
    private const string PartialSuffix = ".partial";

    // Mail travels with CRLF line ends; the files keep them, as a pickup tool expects.
    private static readonly FormatOptions EmlFormat = new() { NewLineFormat = NewLineFormat.Dos };

    private string Incoming => Path.Combine(folder, ".incoming");

    public async Task SendAsync(MimeMessage message, Guid outboxMailId, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Incoming);
        // Unique per attempt: two dispatchers whose leases overlapped never write into one file.
        var temporary = Path.Combine(Incoming, $"{outboxMailId}.{Guid.NewGuid():N}{PartialSuffix}");
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(temporary, fileOptions))
            {
                await message.WriteToAsync(EmlFormat, file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path.Combine(folder, $"{outboxMailId}.eml"), overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Removes temporary files of writes that a crash interrupted. Only files older than <paramref name="lease"/>: a
    /// younger one may belong to another portal instance that is writing it right now.
    /// </summary>
    public int RemoveAbandonedFiles(TimeSpan lease)
    {
        if (!Directory.Exists(Incoming))
        {
            return 0;
        }

        var cutoff = clock.GetUtcNow().UtcDateTime - lease;
        var abandoned = Directory.GetFiles(Incoming, "*" + PartialSuffix).Where(f => File.GetLastWriteTimeUtc(f) < cutoff).ToList();
        abandoned.ForEach(File.Delete);
        return abandoned.Count;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
