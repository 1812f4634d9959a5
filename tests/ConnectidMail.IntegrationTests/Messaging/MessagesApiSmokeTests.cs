using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Staff;
using ConnectidMail.Testing;

namespace ConnectidMail.IntegrationTests.Messaging;

public sealed class MessagesApiSmokeTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task A_message_with_a_file_is_sent_read_back_and_downloaded()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var created = await AdminCliRunner.RunAsync(fixture.Portal, "create-api-key", "--email", email, "--name", "smoke");
        using var client = fixture.Portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.OutputLines[^1]);

        var fileBytes = new byte[200_000];
        Random.Shared.NextBytes(fileBytes);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"to":["a@example.com","b@example.com"],"subject":"Hello","body":"**Hi**"}"""), "message" },
            { new ByteArrayContent(fileBytes), "files", "report.pdf" },
        };
        using var response = await client.PostAsync("/api/v1/messages", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        var id = json.RootElement.GetProperty("id").GetGuid();
        var attachmentId = json.RootElement.GetProperty("attachments")[0].GetProperty("id").GetGuid();

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}");
        Assert.Equal("Hello", message.GetProperty("subject").GetString());
        Assert.Equal("report.pdf", message.GetProperty("attachments")[0].GetProperty("name").GetString());

        var downloaded = await client.GetByteArrayAsync($"/api/v1/attachments/{attachmentId}");
        Assert.Equal(fileBytes, downloaded);
        var openapi = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/messages", openapi);
    }
}
