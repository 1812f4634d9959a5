using System.Net.Http.Headers;
using System.Text;
using ConnectidMail.IntegrationTests.Recipient;

namespace ConnectidMail.IntegrationTests.Replies;

/// <summary>Replies posted as the pages' script posts them: multipart with a 'body' part and 'files' parts, the antiforgery token in a header.</summary>
internal static class ReplyTestSupport
{
    /// <summary>Posts a reply to <paramref name="messageId"/> with the antiforgery token of the page at <paramref name="tokenFrom"/>.</summary>
    public static async Task<HttpResponseMessage> ReplyAsync(
        RecipientClient recipient, Guid messageId, string body, string? tokenFrom = null, params (string Name, byte[] Content)[] files)
    {
        var page = await recipient.GetAsync(tokenFrom ?? $"/m/{messageId}");
        var token = page.Field("__RequestVerificationToken");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/m/{messageId}/replies") { Content = Form(body, files) };
        if (token is not null)
        {
            request.Headers.Add("RequestVerificationToken", token);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await recipient.Http.SendAsync(request);
    }

    /// <summary>The sender's answer in one recipient's thread, through the API.</summary>
    public static Task<HttpResponseMessage> AnswerAsync(HttpClient sender, Guid messageId, Guid recipientId, string body, params (string Name, byte[] Content)[] files) =>
        sender.PostAsync($"/api/v1/messages/{messageId}/threads/{recipientId}/replies", Form(body, files));

    public static MultipartFormDataContent Form(string body, params (string Name, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(body, Encoding.UTF8) { Headers = { ContentType = null } }, "body" } };
        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        return form;
    }
}
