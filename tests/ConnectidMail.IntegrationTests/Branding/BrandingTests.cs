using System.Net;
using System.Text.RegularExpressions;
using ConnectidMail.Audit;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Admin.AdminTestSupport;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Branding;

/// <summary>
/// The admin's branding page, the logo and theme routes, and what recipients get: the portal's header and support line,
/// and mails (parsed from the real SMTP sink) with both parts, the organisation as sender name, full-URL links and a why line.
/// </summary>
public sealed partial class BrandingTests
{
    private const string From = "Portal Robot <robot@mail.example.test>";

    [Fact]
    public async Task An_admin_sets_the_branding_and_recipients_see_it_in_the_portal_and_in_both_parts_of_their_mails()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(new Dictionary<string, string?>(sink.PortalSettings()) { ["Mail:From"] = From }), NewClock());
        using var admin = await AdminSessionAsync(portal);

        var saved = await SaveAsync(admin, "Nordic Health & Care", "#0b5394", "help@nordic.example", "+45 12 34 56 78", "https://nordic.example/help");
        Assert.Contains("Saved.", saved, StringComparison.Ordinal);
        var change = Assert.Single(await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.PolicyChanged && e.SubjectId == "branding").ToListAsync()));
        Assert.Equal(AuditActorKind.Staff, change.ActorKind);
        Assert.Contains("\"organisationName\"", change.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Nordic", change.Detail, StringComparison.Ordinal);

        using var theme = await admin.Client.GetAsync("/branding/theme.css");
        Assert.Contains("--accent: #0b5394;", await theme.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Branded", body = "Body" });

        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == recipient.Email));
        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal("Nordic Health & Care", from.Name);
        Assert.Equal("robot@mail.example.test", from.Address);
        Assert.False(string.IsNullOrWhiteSpace(mail.TextBody));
        Assert.False(string.IsNullOrWhiteSpace(mail.HtmlBody));
        var link = LinkPattern().Match(mail.TextBody).Value;
        Assert.StartsWith(PublicBaseUrl + "/r/", link, StringComparison.Ordinal);
        // Every anchor's text is its own full address: nothing hides where a link leads.
        var anchors = AnchorPattern().Matches(mail.HtmlBody);
        Assert.NotEmpty(anchors);
        Assert.All(anchors, a => Assert.Equal(a.Groups["href"].Value, a.Groups["text"].Value));
        Assert.Contains(anchors, a => a.Groups["href"].Value == link);
        var senderEmail = await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == id).Join(db.Users, m => m.SenderId, u => u.Id, (m, u) => u.Email).SingleAsync());
        foreach (var part in new[] { mail.TextBody, WebUtility.HtmlDecode(mail.HtmlBody) })
        {
            Assert.Contains($"Nordic Health & Care sent you a secure message via its secure-mail portal. You get this mail because {senderEmail} addressed a message to {recipient.Email}.", part, StringComparison.Ordinal);
            Assert.Contains("Questions? Contact Nordic Health & Care: help@nordic.example · +45 12 34 56 78 · https://nordic.example/help", part, StringComparison.Ordinal);
        }

        // The code mail is branded the same way.
        await recipient.OpenLinkAsync();
        var before = recipient.MailCount;
        var verify = await recipient.AskForCodeAsync();
        await recipient.CodeAsync(before);
        var codeMail = sink.Messages.Last(m => m.To.Mailboxes.Any(b => b.Address == recipient.Email));
        Assert.Equal("Nordic Health & Care", codeMail.From.Mailboxes.Single().Name);
        Assert.False(string.IsNullOrWhiteSpace(codeMail.TextBody));
        Assert.False(string.IsNullOrWhiteSpace(codeMail.HtmlBody));

        // The portal's header and footer.
        var html = WebUtility.HtmlDecode(verify.Html);
        Assert.Contains("href=\"mailto:help@nordic.example\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"tel:+4512345678\"", html, StringComparison.Ordinal);
        Assert.Contains("Questions? Contact Nordic Health & Care:", html, StringComparison.Ordinal);
        Assert.Contains("<title>Verify your e-mail address · Nordic Health & Care</title>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#ffcc00", "AccentColour", "A darker shade that passes: #")]
    [InlineData("red", "AccentColour", "Give the colour as #rrggbb")]
    [InlineData("#1f4e79", "SupportUrl", "Give a full https:// address")]
    public async Task Bad_settings_are_refused_with_a_message_at_the_field_and_nothing_is_stored(string colour, string field, string message)
    {
        using var portal = Portal(Settings(), NewClock());
        using var admin = await AdminSessionAsync(portal);

        var page = await SaveAsync(admin, "Org", colour, "", "", field == "SupportUrl" ? "javascript:alert(1)" : "");

        Assert.Contains($"id=\"branding-{field}-error\"", page, StringComparison.Ordinal);
        Assert.Contains(message, WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Equal(0, await portal.WithDbAsync(db => db.OrganisationBranding.CountAsync()));
        Assert.Equal(0, await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.PolicyChanged)));
    }

    [Fact]
    public async Task A_PNG_logo_is_served_from_our_route_as_an_image_and_an_SVG_is_refused()
    {
        using var portal = Portal(Settings(), NewClock());
        using var admin = await AdminSessionAsync(portal);
        using var anonymous = portal.CreateClient();

        using (var none = await anonymous.GetAsync("/branding/logo"))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray();
        using (var refused = await UploadAsync(admin, svg, "logo.png", "image/png"))
        {
            Assert.Equal("/admin/branding?logo-problem=not-png-or-jpeg", refused.Headers.Location?.OriginalString);
        }

        Assert.Equal(0, await portal.WithDbAsync(db => db.OrganisationBranding.CountAsync(b => b.Logo != null)));

        var png = Png();
        using (var accepted = await UploadAsync(admin, png, "logo.svg", "image/svg+xml"))
        {
            Assert.Equal("/admin/branding?logo=saved", accepted.Headers.Location?.OriginalString);
        }

        using var logo = await anonymous.GetAsync("/branding/logo");
        Assert.Equal(HttpStatusCode.OK, logo.StatusCode);
        Assert.Equal("image/png", logo.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", logo.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", logo.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(png, await logo.Content.ReadAsByteArrayAsync());
        Assert.Single(await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.PolicyChanged && e.Detail!.Contains("\"logo\"")).ToListAsync()));

        // The recipient pages show it in the header.
        var page = await anonymous.GetStringAsync("/verify");
        Assert.Contains("class=\"brand-logo\" src=\"branding/logo?v=", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_without_the_admin_role_can_neither_open_the_page_nor_upload_a_logo()
    {
        using var portal = Portal(Settings(), NewClock());
        var email = Unique("sender");
        var created = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", StaffRoles.Sender, "--password", Password);
        Assert.Equal(0, created.ExitCode);
        using var session = new StaffSession(portal);
        await session.LogInAsync(email, Password);

        Assert.StartsWith("/Account/AccessDenied", await session.LandingOfAsync("/admin/branding"), StringComparison.Ordinal);
        using var upload = await UploadAsync(session, Png(), "logo.png", "image/png", tokenFrom: "/");
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", upload.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(0, await portal.WithDbAsync(db => db.OrganisationBranding.CountAsync()));
    }

    private static string NewAddress() => $"recipient-{Guid.NewGuid():N}@example.org";

    private static async Task<StaffSession> AdminSessionAsync(PortalFactory portal)
    {
        var email = Unique("admin");
        var created = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", StaffRoles.Admin, "--password", Password);
        Assert.Equal(0, created.ExitCode);
        var session = new StaffSession(portal);
        Assert.Equal("/", await session.LogInWithAuthenticatorAsync(email, Password));
        return session;
    }

    private static async Task<string> SaveAsync(StaffSession admin, string name, string colour, string email, string phone, string url)
    {
        using var response = await admin.PostFormAsync("/admin/branding", "branding", new Dictionary<string, string>
        {
            ["Input.OrganisationName"] = name,
            ["Input.AccentColour"] = colour,
            ["Input.SupportEmail"] = email,
            ["Input.SupportPhone"] = phone,
            ["Input.SupportUrl"] = url,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpResponseMessage> UploadAsync(StaffSession session, byte[] bytes, string fileName, string contentType, string tokenFrom = "/admin/branding")
    {
        var token = StaffSession.AntiforgeryToken(await session.Client.GetStringAsync(tokenFrom));
        using var form = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" } };
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        form.Add(file, "logo", fileName);
        return await session.Client.PostAsync("/admin/branding/logo", form);
    }

    /// <summary>A real 1×1 PNG.</summary>
    private static byte[] Png() => Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    [GeneratedRegex(@"https?://\S+/r/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("<a href=\"(?<href>[^\"]+)\"[^>]*>(?<text>[^<]*)</a>")]
    private static partial Regex AnchorPattern();
}
