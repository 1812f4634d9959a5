using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Passkeys;

/// <summary>
/// The passkey endpoints over HTTP as the recipient's script calls them: antiforgery, a passkey added after a mail code,
/// a later visit verified by it without any mail, and problem details for every refusal.
/// </summary>
public sealed class RecipientPasskeyEndpointsTests
{
    [Fact]
    public async Task A_passkey_added_over_http_verifies_a_later_visit_without_mail_and_refusals_are_problem_details()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var authenticator = new SoftwareAuthenticator();
        var email = NewAddress();
        var id = await SendAsync(sender, new { to = new[] { email }, subject = "Over HTTP", body = "Body over HTTP" });

        using (var first = new RecipientClient(portal, sink, email))
        {
            await first.VerifyAndConsentAsync();
            var page = await first.GetAsync("/recipient/passkeys");
            Assert.Contains("You have no passkeys yet.", page.Text, StringComparison.Ordinal);
            var token = page.Field("__RequestVerificationToken")!;

            using var withoutToken = await first.Http.PostAsync("/recipient/passkeys/enrol/options", null);
            await AssertProblemAsync(withoutToken, "The page expired; reload it and try again.");

            var options = await PostAsync(first, token, "/recipient/passkeys/enrol/options", null);
            var added = await PostAsync(first, token, "/recipient/passkeys/enrol", authenticator.Create(options, PublicBaseUrl));
            Assert.Contains("\"name\":\"Passkey\"", added, StringComparison.Ordinal);
            Assert.Contains("Added ", (await first.GetAsync("/recipient/passkeys")).Text, StringComparison.Ordinal);
        }

        // Another browser, from the link: the page offers the passkey, which verifies without a code mail.
        using var later = new RecipientClient(portal, sink, email);
        var verify = await later.OpenLinkAsync();
        Assert.Contains("Use a passkey", verify.Html, StringComparison.Ordinal);
        var mails = later.MailCount;
        var verifyToken = verify.Field("__RequestVerificationToken")!;
        var request = await PostAsync(later, verifyToken, "/recipient/passkeys/verify/options", null);
        var assertion = authenticator.Sign(request, PublicBaseUrl);
        var verified = await PostAsync(later, verifyToken, "/recipient/passkeys/verify", assertion);
        Assert.Contains($"\"location\":\"m/{id}\"", verified, StringComparison.Ordinal);

        var message = await later.GetAsync($"/m/{id}");
        Assert.Equal(HttpStatusCode.OK, message.Status);
        Assert.Contains("Body over HTTP", message.Text, StringComparison.Ordinal);
        Assert.Equal(mails, later.MailCount);

        // The same answer again, a malformed one, and one from another origin: refused with a reason, nobody signed in.
        using var stranger = new RecipientClient(portal, sink, email);
        var strangerPage = await stranger.OpenLinkAsync();
        var strangerToken = strangerPage.Field("__RequestVerificationToken")!;
        await AssertProblemAsync(await SendJsonAsync(stranger, strangerToken, "/recipient/passkeys/verify", assertion), "This passkey request expired or was already used. Try again.", "unknownChallenge");
        using (var garbage = new HttpRequestMessage(HttpMethod.Post, "/recipient/passkeys/verify") { Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json") })
        {
            garbage.Headers.Add("RequestVerificationToken", strangerToken);
            await AssertProblemAsync(await stranger.Http.SendAsync(garbage), "The browser's passkey answer could not be read. Try again.");
        }

        var foreign = authenticator.Sign(await PostAsync(stranger, strangerToken, "/recipient/passkeys/verify/options", null), "https://evil.example");
        await AssertProblemAsync(await SendJsonAsync(stranger, strangerToken, "/recipient/passkeys/verify", foreign), "The passkey could not be checked. Try again, or use the mail code instead.", "invalid");
        Assert.Equal("/verify", (await stranger.GetAsync($"/m/{id}")).Uri.AbsolutePath);
    }

    private static async Task<string> PostAsync(RecipientClient client, string token, string path, object? body)
    {
        using var response = await SendJsonAsync(client, token, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return text;
    }

    private static Task<HttpResponseMessage> SendJsonAsync(RecipientClient client, string token, string path, object? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType()) };
        request.Headers.Add("RequestVerificationToken", token);
        return client.Http.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string title, string? reason = null)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
            if (reason is not null)
            {
                Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
            }
        }
    }
}
