using System.Net;
using System.Text.Json;
using ConnectidMail.Messaging;
using ConnectidMail.Storage;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>
/// Expiry shreds a message's data key and deletes its files, keeping the message row and its recipients' receipts. The
/// portals run on a fake clock: the expiry job runs at start and then only when a test moves the clock a minute on.
/// </summary>
public sealed class MessageExpiryTests
{
    [Fact]
    public async Task A_due_message_is_shredded_and_one_not_yet_due_is_untouched()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var first = SampleFiles.For("one.pdf", 100_000);
        var second = SampleFiles.For("two.txt", 3_000);
        var due = await SendWithFilesAsync(client, Message("a@example.org", "b@example.org"), ("one.pdf", first), ("two.txt", second));
        var kept = await SendWithFilesAsync(client, Message("c@example.org"), ("three.pdf", first));
        var dueBlobs = await BlobsOfAsync(portal, due);
        var keptBlobs = await BlobsOfAsync(portal, kept);
        Assert.Equal(2, dueBlobs.Count);
        Assert.All(dueBlobs.Concat(keptBlobs), blob => Assert.True(BlobExists(portal, blob)));

        // The expiry passed (set in the database: moving the clock would also wake the job, which this test calls itself).
        await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == due)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ExpiresAt, clock.GetUtcNow().AddSeconds(-1))));

        Assert.Equal(1, await ExpireDueAsync(portal));

        var row = await portal.WithDbAsync(db => db.Messages.AsNoTracking().Include(m => m.Recipients).Include(m => m.Attachments).SingleAsync(m => m.Id == due));
        Assert.Equal(clock.GetUtcNow(), row.ContentShreddedAt);
        Assert.Null(row.EncryptedSubject);
        Assert.Null(row.EncryptedBody);
        Assert.Equal(["a@example.org", "b@example.org"], row.Recipients.OrderBy(r => r.Position).Select(r => r.Email));
        Assert.All(row.Attachments, a => Assert.Null(a.BlobName));
        Assert.Equal(2, row.Attachments.Count);
        Assert.False(await portal.WithDbAsync(db => db.DataKeys.AnyAsync(k => k.OwnerId == due)));
        Assert.All(dueBlobs, blob => Assert.False(BlobExists(portal, blob)));

        var view = await GetMessageAsync(client, due);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("subject").ValueKind);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("body").ValueKind);
        Assert.All(view.GetProperty("recipients").EnumerateArray(), r => Assert.Equal(RecipientStatus.Expired, r.GetProperty("status").GetString()));
        Assert.All(view.GetProperty("attachments").EnumerateArray(), a => Assert.Equal(JsonValueKind.Null, a.GetProperty("name").ValueKind));
        var attachmentId = view.GetProperty("attachments")[0].GetProperty("id").GetGuid();
        using (var download = await client.GetAsync($"/api/v1/attachments/{attachmentId}"))
        {
            Assert.Equal(HttpStatusCode.Gone, download.StatusCode);
        }

        // The other message keeps its key, files and content.
        Assert.True(await portal.WithDbAsync(db => db.DataKeys.AnyAsync(k => k.OwnerId == kept)));
        Assert.All(keptBlobs, blob => Assert.True(BlobExists(portal, blob)));
        var keptView = await GetMessageAsync(client, kept);
        Assert.Equal("Subject", keptView.GetProperty("subject").GetString());
        Assert.NotEqual(RecipientStatus.Expired, keptView.GetProperty("recipients")[0].GetProperty("status").GetString());
        Assert.Equal(first, await client.GetByteArrayAsync($"/api/v1/attachments/{keptView.GetProperty("attachments")[0].GetProperty("id").GetGuid()}"));

        // A second run finds nothing more to do.
        Assert.Equal(0, await ExpireDueAsync(portal));
    }

    [Fact]
    public async Task A_run_interrupted_after_the_key_was_shredded_has_its_files_deleted_by_the_next_run()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var id = await SendWithFilesAsync(client, Message("a@example.org"), ("one.pdf", SampleFiles.For("one.pdf", 70_000)), ("two.pdf", SampleFiles.For("two.pdf", 10)));
        var blobs = await BlobsOfAsync(portal, id);

        // What the first step of a run commits (key shredded, content dropped) with the crash before the files went.
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConnectidMail.Persistence.ConnectidDbContext>();
            var message = await db.Messages.SingleAsync(m => m.Id == id);
            Assert.True(await scope.ServiceProvider.GetRequiredService<ConnectidMail.Keys.KeyStore>().ShredDataKeyAsync(id));
            message.ExpiresAt = clock.GetUtcNow().AddSeconds(-1);
            message.EncryptedSubject = null;
            message.EncryptedBody = null;
            message.ContentShreddedAt = clock.GetUtcNow();
            await db.SaveChangesAsync();
        }

        Assert.All(blobs, blob => Assert.True(BlobExists(portal, blob)));

        Assert.Equal(0, await ExpireDueAsync(portal));

        Assert.All(blobs, blob => Assert.False(BlobExists(portal, blob)));
        Assert.True(await portal.WithDbAsync(db => db.Attachments.Where(a => a.MessageId == id).AllAsync(a => a.BlobName == null)));
        Assert.Equal(2, await portal.WithDbAsync(db => db.Attachments.CountAsync(a => a.MessageId == id)));
    }

    [Fact]
    public async Task The_expiry_job_shreds_a_due_message_by_itself_a_minute_later()
    {
        var clock = NewClock();
        using var portal = Portal(Settings(), clock);
        using var client = await SenderClientAsync(portal);
        var soon = await SendWithFilesAsync(
            client, new { to = new[] { "a@example.org" }, subject = "Subject", body = "Body", expiresAt = clock.GetUtcNow().AddSeconds(10) }, ("one.pdf", SampleFiles.For("one.pdf", 1_000)));
        var later = await SendWithFilesAsync(client, Message("b@example.org"), ("two.pdf", SampleFiles.For("two.pdf", 1_000)));
        var soonBlobs = await BlobsOfAsync(portal, soon);

        // The job ran at start, before either message existed; its next run is a minute on.
        clock.Advance(MessageExpiryJobInterval);
        await WaitForAsync(
            async () => await portal.WithDbAsync(db => db.Attachments.CountAsync(a => a.MessageId == soon && a.BlobName == null)) == 1,
            TimeSpan.FromSeconds(15));

        Assert.NotNull(await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == soon).Select(m => m.ContentShreddedAt).SingleAsync()));
        Assert.False(await portal.WithDbAsync(db => db.DataKeys.AnyAsync(k => k.OwnerId == soon)));
        Assert.All(soonBlobs, blob => Assert.False(BlobExists(portal, blob)));
        Assert.Equal(JsonValueKind.Null, (await GetMessageAsync(client, soon)).GetProperty("subject").ValueKind);

        Assert.True(await portal.WithDbAsync(db => db.DataKeys.AnyAsync(k => k.OwnerId == later)));
        Assert.Equal("Subject", (await GetMessageAsync(client, later)).GetProperty("subject").GetString());
    }

    /// <summary>MessageExpiryJob.Interval (the job is internal to the core library).</summary>
    private static readonly TimeSpan MessageExpiryJobInterval = TimeSpan.FromMinutes(1);

    private static object Message(params string[] to) => new { to, subject = "Subject", body = "Body" };

    private static async Task<int> ExpireDueAsync(PortalFactory portal)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MessageExpiry>().ExpireDueAsync();
    }

    private static Task<List<string>> BlobsOfAsync(PortalFactory portal, Guid messageId) =>
        portal.WithDbAsync(db => db.Attachments.Where(a => a.MessageId == messageId && a.BlobName != null).Select(a => a.BlobName!).ToListAsync());

    private static bool BlobExists(PortalFactory portal, string blob) =>
        portal.Services.GetRequiredService<BlobStore>().Exists(BlobName.Parse(blob));
}
