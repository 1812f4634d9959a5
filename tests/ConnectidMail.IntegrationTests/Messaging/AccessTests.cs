using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingApi;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>Who may call the messages API, and that another sender's messages and files do not exist for the caller.</summary>
public sealed class AccessTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Message = """{"to":["a@example.com"],"subject":"Access","body":""}""";

    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task Another_senders_message_and_file_answer_404_as_if_they_did_not_exist()
    {
        using var owner = await SenderClientAsync(Portal);
        using var stranger = await SenderClientAsync(Portal);
        var (id, attachmentId) = await SendWithFileAsync(owner);

        await AssertNotFoundAsync(await stranger.GetAsync($"/api/v1/messages/{id}"));
        await AssertNotFoundAsync(await stranger.PostAsync($"/api/v1/messages/{id}/revoke", null));
        await AssertNotFoundAsync(await stranger.GetAsync($"/api/v1/attachments/{attachmentId}"));
        Assert.Equal(0, (await stranger.GetFromJsonAsync<JsonElement>("/api/v1/messages")).GetProperty("total").GetInt32());

        // The stranger's revoke changed nothing.
        var message = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("revokedAt").ValueKind);
        Assert.NotEqual("revoked", message.GetProperty("recipients")[0].GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/attachments/{attachmentId}")).StatusCode);
    }

    [Fact]
    public async Task Unknown_ids_answer_404()
    {
        using var client = await SenderClientAsync(Portal);
        var unknown = Guid.NewGuid();

        await AssertNotFoundAsync(await client.GetAsync($"/api/v1/messages/{unknown}"));
        await AssertNotFoundAsync(await client.PostAsync($"/api/v1/messages/{unknown}/revoke", null));
        await AssertNotFoundAsync(await client.GetAsync($"/api/v1/attachments/{unknown}"));
    }

    [Fact]
    public async Task An_attachment_id_is_not_a_message_id_nor_the_other_way_round()
    {
        using var client = await SenderClientAsync(Portal);
        var (id, attachmentId) = await SendWithFileAsync(client);

        await AssertNotFoundAsync(await client.GetAsync($"/api/v1/messages/{attachmentId}"));
        await AssertNotFoundAsync(await client.GetAsync($"/api/v1/attachments/{id}"));
    }

    [Fact]
    public async Task Without_a_key_every_messages_endpoint_answers_401()
    {
        using var owner = await SenderClientAsync(Portal);
        var (id, attachmentId) = await SendWithFileAsync(owner);
        using var anonymous = Client(Portal, null);

        foreach (var response in await CallEveryEndpointAsync(anonymous, id, attachmentId))
        {
            await ReadProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        Assert.Equal(1, await Portal.WithDbAsync(db => db.Messages.CountAsync(m => m.Id == id)));
    }

    [Fact]
    public async Task A_revoked_key_answers_401_and_sends_nothing()
    {
        var (email, key) = await CreateUserWithKeyAsync(Portal, "Sender");
        using var client = Client(Portal, key);
        var (id, attachmentId) = await SendWithFileAsync(client);
        var messagesBefore = await CountMessagesOfAsync(email);
        var keyId = await Portal.WithDbAsync(db => db.ApiKeys.Where(k => k.User!.Email == email).Select(k => k.Id).SingleAsync());
        var revoked = await AdminCliRunner.RunAsync(Portal, "revoke-api-key", "--id", keyId.ToString());
        Assert.True(revoked.ExitCode == 0, revoked.Error);

        foreach (var response in await CallEveryEndpointAsync(client, id, attachmentId))
        {
            await ReadProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        Assert.Equal(messagesBefore, await CountMessagesOfAsync(email));
    }

    [Theory]
    [InlineData("Auditor")]
    [InlineData("Admin,Auditor")]
    public async Task A_key_of_a_user_without_the_Sender_role_answers_403(string role)
    {
        using var owner = await SenderClientAsync(Portal);
        var (id, attachmentId) = await SendWithFileAsync(owner);
        var (email, key) = await CreateUserWithKeyAsync(Portal, role);
        using var client = Client(Portal, key);

        foreach (var response in await CallEveryEndpointAsync(client, id, attachmentId))
        {
            await ReadProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal(0, await CountMessagesOfAsync(email));
        Assert.Equal(JsonValueKind.Null, (await owner.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}")).GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task The_OpenAPI_document_is_served_and_describes_the_messages_endpoints()
    {
        using var anonymous = Client(Portal, null);

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        var send = paths.GetProperty("/api/v1/messages").GetProperty("post");
        var content = send.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("application/json", out _), content.ToString());
        Assert.True(content.TryGetProperty("multipart/form-data", out _), content.ToString());
        foreach (var status in new[] { "201", "400", "413", "415" })
        {
            Assert.True(send.GetProperty("responses").TryGetProperty(status, out _), $"POST /api/v1/messages does not describe {status}");
        }

        Assert.True(paths.GetProperty("/api/v1/messages").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/messages/{id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/messages/{id}/revoke").TryGetProperty("post", out _));
        var download = paths.GetProperty("/api/v1/attachments/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(download.TryGetProperty("206", out _));
        Assert.True(download.TryGetProperty("410", out _));
        // The portal's own cookie endpoints are not part of the API contract.
        Assert.False(paths.TryGetProperty("/messages/send", out _));
    }

    private static async Task<(Guid Id, Guid AttachmentId)> SendWithFileAsync(HttpClient client)
    {
        using var form = new MultipartFormDataContent
        {
            { MessagePart(Message), "message" },
            { new ByteArrayContent(SampleFiles.For("private.txt", 100)), "files", "private.txt" },
        };
        using var response = await client.PostAsync("/api/v1/messages", form);
        var created = await ReadJsonAsync(response, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        var message = await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}");
        return (id, message.GetProperty("attachments")[0].GetProperty("id").GetGuid());
    }

    private static async Task<List<HttpResponseMessage>> CallEveryEndpointAsync(HttpClient client, Guid id, Guid attachmentId)
    {
        using var form = new MultipartFormDataContent
        {
            { MessagePart(Message), "message" },
            { new ByteArrayContent(SampleFiles.For("f.txt", 100)), "files", "f.txt" },
        };
        return
        [
            await client.PostAsync("/api/v1/messages", Json(Message)),
            await client.PostAsync("/api/v1/messages", form),
            await client.GetAsync("/api/v1/messages"),
            await client.GetAsync($"/api/v1/messages/{id}"),
            await client.PostAsync($"/api/v1/messages/{id}/revoke", null),
            await client.GetAsync($"/api/v1/attachments/{attachmentId}"),
        ];
    }

    private Task<int> CountMessagesOfAsync(string email) =>
        Portal.WithDbAsync(db => db.Messages.CountAsync(m => db.Users.Any(u => u.Id == m.SenderId && u.Email == email)));

    private static async Task AssertNotFoundAsync(HttpResponseMessage response)
    {
        using (response)
        {
            await ReadProblemAsync(response, HttpStatusCode.NotFound);
        }
    }
}
