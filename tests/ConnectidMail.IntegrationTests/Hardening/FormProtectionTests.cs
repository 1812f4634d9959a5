using System.Net;
using System.Net.Http.Json;
using ConnectidMail.Staff;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// Forms and the pages' JSON endpoints refuse requests without a valid antiforgery token (none, or another session's),
/// and change nothing then; the sign-in page's <c>returnUrl</c> never sends anyone off-site. Over HTTP against Kestrel.
/// </summary>
public sealed class FormProtectionTests(SeededWorldFixture fixture) : IClassFixture<SeededWorldFixture>
{
    private SeededWorld World => fixture.World;

    public static TheoryData<string> OffSiteReturnUrls =>
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        " //evil.example",
        "/\t/evil.example",
        "%2F%2Fevil.example",
        "https:evil.example",
        "javascript:alert(1)",
    ];

    [Theory]
    [MemberData(nameof(OffSiteReturnUrls))]
    public async Task A_returnUrl_off_the_site_lands_on_the_start_page_after_sign_in(string returnUrl)
    {
        // A user per case: the sign-in limit counts per address.
        var (email, _) = await World.CreateStaffAsync(StaffRoles.Sender, withKey: false);
        using var browser = new HttpCaller(World.BaseAddress, "browser");

        using var response = await browser.PostFormAsync($"/Account/Login?returnUrl={Uri.EscapeDataString(returnUrl)}", "login", ("Input.Email", email), ("Input.Password", SeededWorld.Password));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        var target = location.IsAbsoluteUri ? location : new Uri(World.BaseAddress, location);
        Assert.Equal(World.BaseAddress.Authority, target.Authority);
        Assert.Equal("/", target.AbsolutePath);
    }

    [Fact]
    public async Task A_local_returnUrl_is_followed_after_sign_in()
    {
        // The positive case, so the test above cannot pass by ignoring returnUrl altogether.
        var (email, _) = await World.CreateStaffAsync(StaffRoles.Sender, withKey: false);
        using var browser = new HttpCaller(World.BaseAddress, "browser");

        using var response = await browser.PostFormAsync("/Account/Login?returnUrl=%2Fsent%3Fpage%3D1", "login", ("Input.Email", email), ("Input.Password", SeededWorld.Password));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/sent?page=1", response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.PathAndQuery : response.Headers.Location.OriginalString);
    }

    [Fact]
    public async Task Recipient_forms_refuse_a_post_without_a_token_and_change_nothing()
    {
        var recipient = World[Caller.RecipientA];
        var codes = await World.Portal.WithDbAsync(db => db.VerificationCodeSends.CountAsync());
        var consents = await World.Portal.WithDbAsync(db => db.ConsentRecords.CountAsync());
        var sessions = await World.Portal.WithDbAsync(db => db.RecipientSessions.CountAsync(s => s.EndedAt == null));

        await AssertRefusedAsync(recipient, "/verify", "send-code");
        await AssertRefusedAsync(recipient, "/verify", "verify", ("Code", "12345678"));
        await AssertRefusedAsync(recipient, "/consent", "consent", ("Agree", "yes"));
        await AssertRefusedAsync(recipient, "/consent/withdraw", "withdraw");
        using (var signOut = await recipient.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/recipient/sign-out") { Content = new FormUrlEncodedContent([]) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        }

        Assert.Equal(codes, await World.Portal.WithDbAsync(db => db.VerificationCodeSends.CountAsync()));
        Assert.Equal(consents, await World.Portal.WithDbAsync(db => db.ConsentRecords.CountAsync()));
        Assert.Equal(sessions, await World.Portal.WithDbAsync(db => db.RecipientSessions.CountAsync(s => s.EndedAt == null)));
        using var inbox = await recipient.GetAsync("/inbox");
        Assert.Equal(HttpStatusCode.OK, inbox.StatusCode);
    }

    [Fact]
    public async Task A_reply_and_a_passkey_ceremony_need_the_recipients_own_token()
    {
        var recipient = World[Caller.RecipientA];
        var replies = await World.Portal.WithDbAsync(db => db.Replies.CountAsync());
        string?[] tokens = [null, World[Caller.RecipientB].AntiforgeryToken, World[Caller.Anonymous].AntiforgeryToken];
        foreach (var token in tokens)
        {
            using var reply = Request(HttpMethod.Post, World.Fill("/m/{messageA}/replies"), token, new MultipartFormDataContent
            {
                { new StringContent("Forged reply") { Headers = { ContentType = null } }, "body" },
            });
            using var replied = await recipient.SendAsync(reply);
            Assert.Equal(HttpStatusCode.BadRequest, replied.StatusCode);

            using var options = Request(HttpMethod.Post, "/recipient/passkeys/enrol/options", token, JsonContent.Create(new { }));
            using var ceremony = await recipient.SendAsync(options);
            Assert.Equal(HttpStatusCode.BadRequest, ceremony.StatusCode);
        }

        Assert.Equal(replies, await World.Portal.WithDbAsync(db => db.Replies.CountAsync()));
    }

    [Fact]
    public async Task Staff_forms_and_the_compose_upload_refuse_a_post_without_a_valid_token()
    {
        var sender = World[Caller.SenderA];
        var messages = await World.Portal.WithDbAsync(db => db.Messages.CountAsync());
        var users = await World.Portal.WithDbAsync(db => db.Users.CountAsync());
        string?[] tokens = [null, World[Caller.SenderB].AntiforgeryToken];
        foreach (var token in tokens)
        {
            using var send = Request(HttpMethod.Post, "/messages/send", token, JsonContent.Create(new { to = new[] { "forged@example.org" }, subject = "Forged", body = "Forged" }));
            using var sent = await sender.SendAsync(send);
            Assert.Equal(HttpStatusCode.BadRequest, sent.StatusCode);

            using var answer = Request(HttpMethod.Post, World.Fill("/messages/{messageA}/threads/{threadA}/replies"), token, new MultipartFormDataContent
            {
                { new StringContent("Forged answer") { Headers = { ContentType = null } }, "body" },
            });
            using var answered = await sender.SendAsync(answer);
            Assert.Equal(HttpStatusCode.BadRequest, answered.StatusCode);
        }

        await AssertRefusedAsync(sender, "/Account/Manage/ChangePassword", "change-password", ("Input.OldPassword", SeededWorld.Password), ("Input.NewPassword", "another long password 1"), ("Input.ConfirmPassword", "another long password 1"));
        await AssertRefusedAsync(World[Caller.Admin], "/admin/users", "create-user", ("NewUser.Email", "forged@example.org"), ("NewUser.Role", StaffRoles.Admin));
        await AssertRefusedAsync(World[Caller.Anonymous], "/Account/Login", "login", ("Input.Email", "someone@example.org"), ("Input.Password", "whatever it is"));
        using (var logout = await sender.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/Account/Logout") { Content = new FormUrlEncodedContent([]) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        }

        Assert.Equal(messages, await World.Portal.WithDbAsync(db => db.Messages.CountAsync()));
        Assert.Equal(users, await World.Portal.WithDbAsync(db => db.Users.CountAsync()));
        // Still signed in, with the password unchanged: the refused posts did nothing.
        using var sentPage = await sender.GetAsync("/sent");
        Assert.Equal(HttpStatusCode.OK, sentPage.StatusCode);
        using var fresh = new HttpCaller(World.BaseAddress, "fresh");
        Assert.Equal("/", await World.SignInAsync(fresh, World.Emails[Caller.SenderA], null));
    }

    /// <summary>Posts the page's form as a browser would, but without the antiforgery field: 400, and the form's work not done.</summary>
    private static async Task AssertRefusedAsync(HttpCaller caller, string path, string formName, params (string Name, string Value)[] fields)
    {
        var values = new List<KeyValuePair<string, string>> { new("_handler", formName) };
        values.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var response = await caller.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(values) });
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST {path} ({formName}) without a token as {caller.Name}: {(int)response.StatusCode}");
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token, HttpContent content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        if (token is not null)
        {
            request.Headers.Add("RequestVerificationToken", token);
        }

        return request;
    }
}
