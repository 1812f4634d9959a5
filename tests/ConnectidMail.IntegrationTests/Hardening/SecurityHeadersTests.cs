using System.Net;
using ConnectidMail.IntegrationTests.Messaging;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Hardening;

/// <summary>
/// The security headers on every kind of answer (a page, a status-code page, the API, a static file, a download), HSTS
/// outside Development only, and every cookie the portal sets in the staff and recipient flows: __Host-, Secure,
/// HttpOnly, SameSite, no Domain.
/// </summary>
public sealed class SecurityHeadersTests
{
    [Fact]
    public async Task Pages_api_answers_static_files_and_status_pages_carry_the_headers()
    {
        using var portal = new PortalFactory();
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false });

        foreach (var path in new[] { "/Account/Login", "/no-such-page", "/health/live", "/api/v1/me", "/css/app.css", "/r/not-a-valid-token" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(Values(response, "Content-Security-Policy").Count() == 1, $"{path} ({(int)response.StatusCode}) has no single policy.");
            var policy = Values(response, "Content-Security-Policy").Single();
            Assert.DoesNotContain("unsafe-inline", Directive(policy, "script-src"), StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", Directive(policy, "script-src"), StringComparison.Ordinal);
            Assert.Equal("frame-ancestors 'none'", Directive(policy, "frame-ancestors"));
            Assert.EndsWith(" 'none'", Directive(policy, "object-src"), StringComparison.Ordinal);
            Assert.NotEmpty(Directive(policy, "form-action"));
            Assert.Equal("no-referrer", Assert.Single(Values(response, "Referrer-Policy")));
            Assert.Equal("nosniff", Assert.Single(Values(response, "X-Content-Type-Options")));
            var permissions = Assert.Single(Values(response, "Permissions-Policy"));
            Assert.Contains("camera=()", permissions, StringComparison.Ordinal);
            Assert.Contains("publickey-credentials-get=(self)", permissions, StringComparison.Ordinal);
            Assert.Contains("publickey-credentials-create=(self)", permissions, StringComparison.Ordinal);
            Assert.Empty(Values(response, "Strict-Transport-Security"));
        }

        // The portal's pages have the one full policy; Blazor's own frame-ancestors header does not stand beside it.
        using var login = await client.GetAsync("/Account/Login");
        Assert.Equal(ConnectidMail.Web.Hardening.SecurityHeaders.ContentSecurityPolicy, Assert.Single(Values(login, "Content-Security-Policy")));
    }

    [Fact]
    public async Task Downloads_keep_their_sandbox_policy()
    {
        using var portal = new PortalFactory();
        using var sender = await MessagingApi.SenderClientAsync(portal);
        using var form = new MultipartFormDataContent
        {
            { MessagingApi.MessagePart("""{"to":["someone@example.com"],"subject":"S","body":"B"}"""), "message" },
            { new ByteArrayContent("<script>alert(1)</script>"u8.ToArray()), "files", "page.txt" },
        };
        using var sent = await sender.PostAsync("/api/v1/messages", form);
        var id = (await MessagingApi.ReadJsonAsync(sent, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var message = await sender.GetAsync($"/api/v1/messages/{id}");
        var attachment = (await MessagingApi.ReadJsonAsync(message, HttpStatusCode.OK)).GetProperty("attachments")[0].GetProperty("id").GetGuid();

        using var download = await sender.GetAsync($"/api/v1/attachments/{attachment}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("sandbox", Assert.Single(Values(download, "Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(Values(download, "X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(Values(download, "Referrer-Policy")));
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Fact]
    public async Task Hsts_is_sent_outside_development_and_not_in_it()
    {
        var production = new Dictionary<string, string?> { ["Mail:AllowPickupFolder"] = "true" };
        using (var portal = new PortalFactory(production, environment: "Production"))
        {
            using var client = portal.CreateClient(new() { BaseAddress = new Uri("https://portal.example.org"), AllowAutoRedirect = false });
            using var response = await client.GetAsync("/Account/Login");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var hsts = Assert.Single(Values(response, "Strict-Transport-Security"));
            Assert.Contains("max-age=31536000", hsts, StringComparison.Ordinal);
        }

        using (var portal = new PortalFactory())
        {
            using var client = portal.CreateClient(new() { BaseAddress = new Uri("https://portal.example.org"), AllowAutoRedirect = false });
            using var response = await client.GetAsync("/Account/Login");
            Assert.Empty(Values(response, "Strict-Transport-Security"));
        }
    }

    [Fact]
    public async Task Every_cookie_of_the_staff_and_recipient_flows_is_host_prefixed_secure_http_only_and_same_site()
    {
        var recorder = new SetCookieRecorder();
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = new PortalFactory(Settings(sink.PortalSettings())) { TestServices = SetCookieRecorder.Install(recorder) };

        // Staff: an admin signs in with password and authenticator code (two-factor cookie, then the session), signs out.
        var admin = $"admin-{Guid.NewGuid():N}@example.com";
        Assert.Equal(0, (await AdminCliRunner.RunAsync(portal, "create-user", "--email", admin, "--role", StaffRoles.Admin, "--role", StaffRoles.Sender, "--password", MessagingApi.Password)).ExitCode);
        using (var staff = new StaffSession(portal))
        {
            Assert.Equal("/", await staff.LogInWithAuthenticatorAsync(admin, MessagingApi.Password));
            using var signedOut = await staff.PostFormAsync("/Account/Logout", "logout", tokenFrom: "/");
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        }

        // Recipient: link cookie, antiforgery, the session cookie; then sign-out.
        using var sender = await MessagingApi.SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, $"reader-{Guid.NewGuid():N}@example.com");
        using (var sent = await sender.PostAsync("/api/v1/messages", MessagingApi.Json($$"""{"to":["{{recipient.Email}}"],"subject":"S","body":"B"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        }

        var message = await recipient.VerifyAndConsentAsync();
        Assert.StartsWith("/m/", message.Uri.AbsolutePath, StringComparison.Ordinal);
        var inbox = await recipient.GetAsync("/inbox");
        using (var signOut = await recipient.Http.PostAsync("/recipient/sign-out", new FormUrlEncodedContent([new("__RequestVerificationToken", inbox.Field("__RequestVerificationToken")!)])))
        {
            Assert.Equal("/signed-out", signOut.RequestMessage!.RequestUri!.AbsolutePath);
        }

        var cookies = recorder.Cookies;
        string[] expected = ["__Host-Identity.TwoFactorUserId", "__Host-Identity.Application", "__Host-ConnectidMail.Antiforgery", LinkCookieName, "__Host-ConnectidMail.Recipient"];
        foreach (var name in expected)
        {
            Assert.Contains(cookies, c => c.StartsWith(name + "=", StringComparison.Ordinal));
        }

        foreach (var cookie in cookies)
        {
            var attributes = cookie.Split(';').Select(a => a.Trim().ToLowerInvariant()).ToList();
            Assert.StartsWith("__Host-", cookie, StringComparison.Ordinal);
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains("path=/", attributes);
            Assert.Contains(attributes, a => a is "samesite=lax" or "samesite=strict");
            Assert.DoesNotContain(attributes, a => a.StartsWith("domain=", StringComparison.Ordinal));
        }
    }

    private const string LinkCookieName = ConnectidMail.Web.Recipient.LinkCookie.Name;

    private static IEnumerable<string> Values(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? values
        : response.Content.Headers.TryGetValues(header, out var contentValues) ? contentValues
        : [];

    /// <summary>The directive as the browser applies it: its own, else default-src for fetch directives; empty when neither is set.</summary>
    private static string Directive(string policy, string name)
    {
        var directives = policy.Split(';').Select(d => d.Trim()).ToList();
        return directives.FirstOrDefault(d => d.StartsWith(name + " ", StringComparison.Ordinal))
            ?? (name.EndsWith("-src", StringComparison.Ordinal) ? directives.FirstOrDefault(d => d.StartsWith("default-src ", StringComparison.Ordinal)) : null)
            ?? "";
    }
}
