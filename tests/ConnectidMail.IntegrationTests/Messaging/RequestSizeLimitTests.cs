using System.Net;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>The whole upload of a message is capped by the policy on a real Kestrel server; a refused upload leaves nothing.</summary>
public sealed class RequestSizeLimitTests
{
    private const int MaxMessageBytes = 64 * 1024;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upload_over_the_message_limit_is_refused_with_413_and_nothing_stored(bool messageFirst)
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Policy:MaxMessageBytes"] = $"{MaxMessageBytes}" }).StartOnKestrel();
        var (_, key) = await CreateUserWithKeyAsync(portal, "Sender");
        var before = await StoredAsync(portal);
        // A client that sends its body before the answer would only see the connection closed under it (the server
        // stops reading a refused upload); asking first lets it read the refusal. It waits for the answer as long as it
        // takes: after the default second, on a busy machine, it would send the body anyway (a broken pipe, seen on a loaded machine).
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) };
        using var client = new HttpClient(handler) { BaseAddress = portal.ServerAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        client.DefaultRequestHeaders.ExpectContinue = true;
        var message = MessagePart("""{"to":["a@example.com"],"subject":"Too big","body":""}""");
        var file = new ByteArrayContent(SampleFiles.For("big.pdf", 8 * 1024 * 1024));
        using var form = new MultipartFormDataContent();
        if (messageFirst)
        {
            form.Add(message, "message");
        }

        form.Add(file, "files", "big.pdf");
        if (!messageFirst)
        {
            form.Add(message, "message");
        }

        using var response = await client.PostAsync("/api/v1/messages", form);

        await ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        var after = await StoredAsync(portal);
        Assert.Equal(before, after);
        Assert.Equal((0, 0, 0, 0, ""), (after.Messages, after.Recipients, after.Attachments, after.OutboxMails, after.BlobFiles));
    }
}
