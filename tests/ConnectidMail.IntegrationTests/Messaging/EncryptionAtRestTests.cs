using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>
/// Issue #4: nothing a sender wrote reaches the disk in plain form. A unique marker goes into the subject, the body, a
/// file name and two files' content; after the notification went out, every byte of the data folder and the database
/// (SQLite file and WAL, or the PostgreSQL database folder and its WAL) is searched for it.
/// </summary>
public sealed class EncryptionAtRestTests
{
    [Fact]
    public async Task A_marker_in_subject_body_file_name_and_file_content_is_stored_nowhere_in_plain_form()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var client = await SenderClientAsync(portal);
        var marker = NewMarker();
        var control = $"control{Guid.NewGuid():N}";
        var email = $"{control}@example.org";
        var subject = $"Subject {marker}";
        var body = $"Body {marker} with more words";
        var smallName = $"{marker}.txt";
        var small = Encoding.UTF8.GetBytes($"The file says {marker}.");
        var large = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(marker + "\n", 256 * 1024 / (marker.Length + 1) + 1)));
        Assert.True(large.Length >= 200 * 1024);

        var id = await SendWithFilesAsync(client, new { to = new[] { email }, subject, body }, (smallName, small), ("large.log", large));
        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == email));
        Assert.DoesNotContain(marker, mail.TextBody, StringComparison.Ordinal);
        await WaitForStatusAsync(client, id, email, "notified");

        // The API still gives everything back, so nothing was dropped on the way to the disk.
        var view = await GetMessageAsync(client, id);
        Assert.Equal(subject, view.GetProperty("subject").GetString());
        Assert.Equal(body, view.GetProperty("body").GetString());
        var attachments = view.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal([smallName, "large.log"], attachments.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(small, await client.GetByteArrayAsync($"/api/v1/attachments/{attachments[0].GetProperty("id").GetGuid()}"));
        Assert.Equal(large, await client.GetByteArrayAsync($"/api/v1/attachments/{attachments[1].GetProperty("id").GetGuid()}"));
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/messages");
        Assert.Equal(subject, list.GetProperty("items")[0].GetProperty("subject").GetString());

        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(marker)), "The marker was found in plain UTF-8.");
        Assert.False(await StoredBytes.ContainAsync(portal, Encoding.Unicode.GetBytes(marker)), "The marker was found in plain UTF-16LE.");

        // The scan finds what is stored in plain form: the recipient's address in the database, and a file in the data folder.
        Assert.True(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(control)), "The recipient address was not found: the scan misses the database.");
        var plainFile = NewMarker();
        await File.WriteAllTextAsync(Path.Combine(portal.DataPath, "blobs", "control.txt"), $"plain {plainFile}");
        Assert.True(await StoredBytes.ContainAsync(portal, Encoding.UTF8.GetBytes(plainFile)), "A plain file was not found: the scan misses the data folder.");
        var plainUtf16 = NewMarker();
        await File.WriteAllBytesAsync(Path.Combine(portal.DataPath, "blobs", "control-utf16.txt"), Encoding.Unicode.GetBytes($"plain {plainUtf16}"));
        Assert.True(await StoredBytes.ContainAsync(portal, Encoding.Unicode.GetBytes(plainUtf16)), "A plain UTF-16 file was not found.");
    }
}
