using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary><c>POST /api/v1/messages</c> as JSON and as multipart, and <c>GET /api/v1/messages/{id}</c>.</summary>
public sealed class SendingTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task A_JSON_message_answers_201_with_its_location_id_and_recipients_and_reads_back_as_sent()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var expiresAt = DateTimeOffset.UtcNow.AddDays(3);

        using var response = await client.PostAsync("/api/v1/messages", Json($$"""
            {"to":["first@example.com"," Second@Example.org ","first@example.com"],"subject":"Quarterly figures","body":"**Hi**, see below.",
             "expiresAt":"{{expiresAt.ToOffset(TimeSpan.FromHours(2)):O}}","requirePasskey":true,"accessCode":"4711-abc"}
            """));

        var created = await ReadJsonAsync(response, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.NotEqual(Guid.Empty, id);
        Assert.Equal($"/api/v1/messages/{id}", response.Headers.Location?.OriginalString);
        var recipients = created.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(["first@example.com", "Second@Example.org"], recipients.Select(r => r.GetProperty("email").GetString()));
        Assert.All(recipients, r => Assert.Contains(r.GetProperty("status").GetString(), new[] { "pending", "notified" }));

        var message = await client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        Assert.Equal(id, message.GetProperty("id").GetGuid());
        Assert.Equal("Quarterly figures", message.GetProperty("subject").GetString());
        Assert.Equal("**Hi**, see below.", message.GetProperty("body").GetString());
        Assert.True(message.GetProperty("requirePasskey").GetBoolean());
        Assert.True(message.GetProperty("hasAccessCode").GetBoolean());
        Assert.Equal(0, message.GetProperty("attachments").GetArrayLength());
        AssertUtc(message.GetProperty("createdAt"));
        AssertUtc(created.GetProperty("createdAt"));
        // The answer to the send shows the times every later read shows.
        Assert.Equal(created.GetProperty("createdAt").GetString(), message.GetProperty("createdAt").GetString());
        Assert.Equal(created.GetProperty("expiresAt").GetString(), message.GetProperty("expiresAt").GetString());
        AssertUtc(message.GetProperty("expiresAt"));
        Assert.Equal(expiresAt.UtcDateTime, message.GetProperty("expiresAt").GetDateTimeOffset().UtcDateTime, TimeSpan.FromMilliseconds(1));
        Assert.Equal(JsonValueKind.Null, message.GetProperty("revokedAt").ValueKind);
        var read = message.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(["first@example.com", "Second@Example.org"], read.Select(r => r.GetProperty("email").GetString()));
        Assert.All(read, r =>
        {
            Assert.Contains(r.GetProperty("status").GetString(), new[] { "pending", "notified" });
            Assert.Equal(0, r.GetProperty("openCount").GetInt32());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("firstOpenedAt").ValueKind);
        });
        Assert.Equal(JsonValueKind.Array, message.GetProperty("replies").ValueKind);
        // The access code is never given back.
        Assert.DoesNotContain("4711-abc", message.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_expiry_a_message_expires_after_the_default_days()
    {
        using var client = await SenderClientAsync(fixture.Portal);

        var created = await SendJsonAsync(client, """{"to":["a@example.com"],"subject":"Default expiry","body":""}""");

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{created.GetProperty("id").GetGuid()}");
        var lifetime = message.GetProperty("expiresAt").GetDateTimeOffset() - message.GetProperty("createdAt").GetDateTimeOffset();
        Assert.InRange(lifetime, TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
        Assert.False(message.GetProperty("requirePasskey").GetBoolean());
        Assert.False(message.GetProperty("hasAccessCode").GetBoolean());
    }

    [Fact]
    public async Task A_multipart_message_part_before_several_files_keeps_them_in_order_with_names_and_sizes()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var files = new[] { SampleFiles.For("report.pdf", 200_000), SampleFiles.For("one byte.txt", 1), SampleFiles.For("segment.zip", 65_536) };
        using var form = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com","b@example.com"],"subject":"With files","body":"Three files"}"""), "message" },
            { new ByteArrayContent(files[0]), "files", "report.pdf" },
            { new ByteArrayContent(files[1]), "files", "one byte.txt" },
            { new ByteArrayContent(files[2]), "files", "segment.zip" },
        };

        using var response = await client.PostAsync("/api/v1/messages", form);

        var created = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal(2, created.GetProperty("recipients").GetArrayLength());
        var message = await client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        Assert.Equal("With files", message.GetProperty("subject").GetString());
        var attachments = message.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["report.pdf", "one byte.txt", "segment.zip"], attachments.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(files.Select(f => (long)f.Length), attachments.Select(a => a.GetProperty("size").GetInt64()));
        for (var i = 0; i < files.Length; i++)
        {
            Assert.Equal(files[i], await client.GetByteArrayAsync($"/api/v1/attachments/{attachments[i].GetProperty("id").GetGuid()}"));
        }
    }

    [Fact]
    public async Task A_multipart_message_part_after_the_files_as_a_JSON_file_is_accepted()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var first = SampleFiles.For("first.png", 70_000);
        var second = SampleFiles.For("second.csv", 10);
        var messagePart = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"to":["late@example.com"],"subject":"Message last","body":"after the files"}"""));
        messagePart.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(first), "files", "first.png" },
            { new ByteArrayContent(second), "files", "second.csv" },
            { messagePart, "message", "message.json" },
        };

        using var response = await client.PostAsync("/api/v1/messages", form);

        var created = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("late@example.com", created.GetProperty("recipients")[0].GetProperty("email").GetString());
        var message = await client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        Assert.Equal("after the files", message.GetProperty("body").GetString());
        var attachments = message.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["first.png", "second.csv"], attachments.Select(a => a.GetProperty("name").GetString()));
        Assert.Equal(first, await client.GetByteArrayAsync($"/api/v1/attachments/{attachments[0].GetProperty("id").GetGuid()}"));
        Assert.Equal(second, await client.GetByteArrayAsync($"/api/v1/attachments/{attachments[1].GetProperty("id").GetGuid()}"));
    }

    [Fact]
    public async Task File_names_lose_their_path_and_keep_non_ASCII_letters()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var withPath = new ByteArrayContent("abc"u8.ToArray());
        withPath.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "files", FileName = "\"../../windows/evil.txt\"" };
        var danish = new ByteArrayContent(SampleFiles.For("Rapport.pdf", 12));
        danish.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "files", FileNameStar = "Rapport æøå.pdf" };
        using var form = new MultipartFormDataContent
        {
            { MessagePart("""{"to":["a@example.com"],"subject":"Names","body":""}"""), "message" },
        };
        form.Add(withPath);
        form.Add(danish);

        using var response = await client.PostAsync("/api/v1/messages", form);

        await ReadJsonAsync(response, HttpStatusCode.Created);
        var message = await client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        Assert.Equal(["evil.txt", "Rapport æøå.pdf"], message.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task The_notification_mail_is_handed_over_and_the_recipient_becomes_notified()
    {
        using var client = await SenderClientAsync(fixture.Portal);
        var marker = Guid.NewGuid().ToString("N");
        var created = await SendJsonAsync(client, $$"""{"to":["notify-{{marker}}@example.com"],"subject":"Secret subject {{marker}}","body":"Secret body {{marker}}"}""");
        var id = created.GetProperty("id").GetGuid();

        JsonElement recipient = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var message = await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}");
            recipient = message.GetProperty("recipients")[0];
            if (recipient.GetProperty("status").GetString() == "notified")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("notified", recipient.GetProperty("status").GetString());
        AssertUtc(recipient.GetProperty("notifiedAt"));
        var mails = Directory.GetFiles(Path.Combine(fixture.Portal.DataPath, "mail-outbox"), "*.eml")
            .Select(File.ReadAllText).Where(m => m.Contains($"notify-{marker}@example.com", StringComparison.Ordinal)).ToList();
        var mail = Assert.Single(mails);
        Assert.Matches(@"/r/[A-Za-z0-9_-]{43}", mail);
        Assert.DoesNotContain("Secret body", mail, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret subject", mail, StringComparison.Ordinal);
    }
}
