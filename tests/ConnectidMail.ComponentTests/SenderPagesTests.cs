using System.Security.Claims;
using System.Text;
using Bunit.TestDoubles;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using ConnectidMail.Web.Messaging.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConnectidMail.ComponentTests;

/// <summary>
/// The sender's pages (static server rendering) with a running portal's real <see cref="MessageService"/>: a message
/// page with its recipients and files, the revoke confirmation and its post, expiry, other senders' messages, the
/// sent list and the compose form's accessible names.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SenderPagesTests(PortalFixture fixture) : BunitContext
{
    [Fact]
    public async Task The_message_page_shows_subject_body_files_and_each_recipient_with_status_and_times()
    {
        await using var scope = fixture.CreateScope();
        var sent = await SendAsync(scope, "Quarterly figures", "Hello **there**\n\n<script>alert(1)</script>", ["a@example.com", "b@example.com"], accessCode: "4711");
        var cut = RenderMessage(scope, sent.Id);

        Assert.Equal("Quarterly figures", cut.Find("h1").TextContent);
        Assert.Equal("there", cut.Find(".body-text strong").TextContent);
        Assert.Empty(cut.FindAll(".body-text script"));
        Assert.Contains("<script>", cut.Find(".body-text").TextContent, StringComparison.Ordinal);

        var link = cut.Find(".attachments a");
        Assert.Equal("figures.csv", link.TextContent);
        Assert.Equal($"attachments/{sent.Attachments[0].Id}", link.GetAttribute("href"));
        Assert.Contains("(12 bytes)", cut.Find(".attachments li").TextContent, StringComparison.Ordinal);

        var headers = cut.FindAll("table.recipients thead th").Select(th => th.TextContent).ToArray();
        Assert.Equal(["Recipient", "Status", "Notified", "Verified", "First opened", "Last opened", "Opens", "Downloads", "Replied", "Delivery failed"], headers);
        var rows = cut.FindAll("table.recipients tbody tr");
        Assert.Equal(["a@example.com", "b@example.com"], rows.Select(r => r.QuerySelector("th[scope=row]")!.TextContent));
        Assert.All(rows, row =>
        {
            Assert.Contains(row.QuerySelector("td")!.TextContent, new[] { "Notification waiting to be sent", "Notified" });
            Assert.Equal("0", row.QuerySelectorAll("td")[5].TextContent);
            Assert.Equal("0", row.QuerySelectorAll("td")[6].TextContent);
        });

        var facts = cut.Find("dl.facts").TextContent;
        Assert.Contains("Set: recipients must enter it besides the mailed code", facts, StringComparison.Ordinal);
        Assert.Contains("Not required", facts, StringComparison.Ordinal);
        Assert.DoesNotContain("4711", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("Revoke", cut.Find(".revoke button").TextContent);
        Assert.Empty(cut.FindAll(".withdrawn"));
    }

    [Fact]
    public async Task Revoking_asks_first_then_revokes_on_yes_and_the_page_shows_the_message_withdrawn()
    {
        await using var scope = fixture.CreateScope();
        var sent = await SendAsync(scope, "Withdraw me", "Body", ["c@example.com"]);
        AddSender(scope, await UserIdAsync(scope, PortalFixture.Sender));
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo($"messages/{sent.Id}?confirm=revoke");
        var cut = RenderMessage(scope, sent.Id);

        Assert.Equal("Revoke this message?", cut.Find(".confirm h2").TextContent);
        var form = cut.Find(".confirm form");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("Yes, revoke", form.QuerySelector("button[type=submit]")!.TextContent);
        var cancel = form.QuerySelector("a")!;
        Assert.Equal("Cancel", cancel.TextContent);
        Assert.Equal($"messages/{sent.Id}", cancel.GetAttribute("href"));
        Assert.Null((await GetAsync(scope, sent.Id))!.RevokedAt);

        await form.SubmitAsync();

        Assert.NotNull((await GetAsync(scope, sent.Id))!.RevokedAt);
        Assert.EndsWith($"messages/{sent.Id}?done=revoked", navigation.Uri, StringComparison.Ordinal);

        // The page the browser is sent to.
        var after = RenderMessage(scope, sent.Id);
        Assert.Equal("Revoked the message: recipients can no longer read it or download its files.", after.Find("[role=status]").TextContent);
        Assert.StartsWith("This message was withdrawn", after.Find(".withdrawn").TextContent, StringComparison.Ordinal);
        Assert.Equal("Withdrawn", after.Find("table.recipients tbody td").TextContent);
        Assert.Empty(after.FindAll(".revoke"));
        Assert.Empty(after.FindAll(".attachments a"));
    }

    [Fact]
    public async Task An_expired_message_says_its_content_was_erased()
    {
        await using var scope = fixture.CreateScope();
        var sent = await SendAsync(scope, "Short-lived", "Gone soon", ["d@example.com"]);
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        await db.Messages.Where(m => m.Id == sent.Id).ExecuteUpdateAsync(m => m.SetProperty(x => x.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        await scope.ServiceProvider.GetRequiredService<MessageExpiry>().ExpireDueAsync();
        var cut = RenderMessage(scope, sent.Id);

        Assert.Equal("Expired message", cut.Find("h1").TextContent);
        Assert.StartsWith("The content was erased when the message expired", cut.Find(".withdrawn").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll(".body-text"));
        Assert.Empty(cut.FindAll(".revoke"));
        Assert.Empty(cut.FindAll(".attachments a"));
        Assert.Equal("Expired", cut.Find("table.recipients tbody td").TextContent);
    }

    [Fact]
    public async Task Another_senders_message_is_not_found_like_an_unknown_one()
    {
        await using var scope = fixture.CreateScope();
        var sent = await SendAsync(scope, "Private", "Only mine", ["e@example.com"]);
        AddSender(scope, await UserIdAsync(scope, PortalFixture.AuditingSender));
        var navigation = Services.GetRequiredService<BunitNavigationManager>();
        var notFound = 0;
        navigation.OnNotFound += (_, _) => notFound++;

        var cut = RenderMessage(scope, sent.Id);
        Assert.Equal(1, notFound);
        Assert.DoesNotContain("Private", cut.Markup, StringComparison.Ordinal);

        var unknown = RenderMessage(scope, Guid.NewGuid());
        Assert.Equal(2, notFound);
        Assert.Empty(unknown.FindAll("h1"));
    }

    [Fact]
    public async Task The_sent_list_shows_each_message_with_statuses_and_links_and_an_empty_list_points_to_compose()
    {
        await using var scope = fixture.CreateScope();
        var sent = await SendAsync(scope, "Listed", "Body", ["f@example.com"]);
        AddSender(scope, await UserIdAsync(scope, PortalFixture.Sender));
        var cut = Render<Sent>();

        var row = cut.FindAll("table.sent tbody tr").Single(r => r.QuerySelector("a")!.TextContent == "Listed");
        Assert.Equal($"messages/{sent.Id}", row.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("f@example.com:", row.TextContent, StringComparison.Ordinal);
        Assert.Matches("Notified|Notification waiting to be sent", row.QuerySelector(".status-word")!.TextContent);

        await using var other = fixture.CreateScope();
        using var empty = new BunitContext();
        empty.Services.AddSingleton(other.ServiceProvider.GetRequiredService<MessageService>());
        empty.AddAuthorization().SetAuthorized(PortalFixture.Admin.Email).SetClaims(new Claim(ClaimTypes.NameIdentifier, await UserIdAsync(other, PortalFixture.Admin)));
        var none = empty.Render<Sent>();
        Assert.Equal("You have not sent any secure messages yet.", none.Find(".empty-state p").TextContent);
        Assert.Equal("compose", none.Find(".empty-state a").GetAttribute("href"));
    }

    [Fact]
    public async Task The_compose_form_has_the_contract_names_the_policy_limits_and_no_inline_script()
    {
        await using var scope = fixture.CreateScope();
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<IOptions<PolicyOptions>>());
        Services.AddSingleton(TimeProvider.System);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var cut = Render<Compose>();

        string Control(string label)
        {
            var id = cut.FindAll("label").Single(l => l.TextContent.Trim() == label).GetAttribute("for");
            return cut.Find($"#{id}").TagName.ToLowerInvariant() + ":" + (cut.Find($"#{id}").GetAttribute("type") ?? "");
        }

        Assert.Equal("textarea:", Control("To"));
        Assert.Equal("input:text", Control("Subject"));
        Assert.Equal("textarea:", Control("Message"));
        Assert.Equal("input:file", Control("Attach files"));
        Assert.Equal("input:text", Control("Access code"));
        Assert.Equal("input:checkbox", Control("Require a passkey"));
        Assert.Equal("input:date", Control("Expires on"));
        Assert.NotNull(cut.Find("input[type=file]").GetAttribute("multiple"));
        Assert.Equal("Send", cut.Find("form button[type=submit]").TextContent);
        Assert.Contains("trust-on-first-use", cut.Find("#require-passkey-hint").TextContent, StringComparison.Ordinal);
        Assert.Contains("Markdown", cut.Find("#body-hint").TextContent, StringComparison.Ordinal);

        var form = cut.Find("form[data-compose]");
        var policy = new PolicyOptions();
        Assert.Equal(policy.MaxFiles.ToString(System.Globalization.CultureInfo.InvariantCulture), form.GetAttribute("data-max-files"));
        Assert.Equal(policy.MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), form.GetAttribute("data-max-file-bytes"));
        Assert.Equal(DateTimeOffset.UtcNow.AddDays(policy.DefaultExpiryDays).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), cut.Find("#expires").GetAttribute("value"));
        Assert.Equal(DateTimeOffset.UtcNow.AddDays(policy.MaxExpiryDays).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), cut.Find("#expires").GetAttribute("max"));
        Assert.Equal("Upload progress", cut.Find("label[for=upload-progress]").TextContent);
        Assert.Equal("status", cut.Find("#upload-status").GetAttribute("role"));

        // Every error box is the description of its control.
        foreach (var error in cut.FindAll("[data-error-for]"))
        {
            Assert.Single(cut.FindAll("[aria-describedby]"), c => c.GetAttribute("aria-describedby")!.Split(' ').Contains(error.Id));
        }

        Assert.Empty(cut.FindAll("script"));
        Assert.DoesNotContain(" on", string.Concat(cut.FindAll("*").SelectMany(e => e.Attributes).Select(a => " " + a.Name)), StringComparison.Ordinal);
    }

    /// <summary>The message page as the sender added by <see cref="AddSender"/> sees it (by default the fixture's sender).</summary>
    private IRenderedComponent<MessageDetails> RenderMessage(AsyncServiceScope scope, Guid id)
    {
        if (!servicesAdded)
        {
            AddSender(scope, UserIdAsync(scope, PortalFixture.Sender).GetAwaiter().GetResult());
        }

        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        return Render<MessageDetails>(parameters => parameters.Add(p => p.Id, id));
    }

    private bool servicesAdded;

    /// <summary>The portal's services and a signed-in sender, once per test (bUnit's services are fixed at the first render).</summary>
    private void AddSender(AsyncServiceScope scope, string userId)
    {
        if (servicesAdded)
        {
            return;
        }

        servicesAdded = true;
        Services.AddLocalization();
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<MessageService>());
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<MessageActivity>());
        Services.AddSingleton(TimeProvider.System);
        AddAuthorization().SetAuthorized(PortalFixture.Sender.Email).SetRoles(StaffRoles.Sender).SetClaims(new Claim(ClaimTypes.NameIdentifier, userId));
    }

    private static async Task<MessageView> SendAsync(AsyncServiceScope scope, string subject, string body, string[] to, string? accessCode = null)
    {
        var messages = scope.ServiceProvider.GetRequiredService<MessageService>();
        var userId = await UserIdAsync(scope, PortalFixture.Sender);
        await using var draft = await messages.BeginAsync();
        await using (var file = new MemoryStream(Encoding.UTF8.GetBytes("a;b\n1;2\n3;4\n")))
        {
            await draft.AddFileAsync("figures.csv", file);
        }

        return await messages.SendAsync(draft, new MessageRequest(to, subject, body, AccessCode: accessCode), new SenderIdentity(userId, PortalFixture.Sender.Email));
    }

    private static async Task<MessageView?> GetAsync(AsyncServiceScope scope, Guid id)
    {
        await using var fresh = scope.ServiceProvider.CreateAsyncScope();
        return await fresh.ServiceProvider.GetRequiredService<MessageService>().GetAsync(id, await UserIdAsync(fresh, PortalFixture.Sender));
    }

    private static async Task<string> UserIdAsync(AsyncServiceScope scope, StaffMember member)
    {
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        return await db.Users.Where(u => u.Email == member.Email).Select(u => u.Id).SingleAsync();
    }
}
