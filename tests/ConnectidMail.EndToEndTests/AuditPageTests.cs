using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// The auditor's page in Chromium: the chain's verification, searching by message, by recipient and by action, paging
/// links that keep the search; senders are refused and anonymous visitors are sent to sign in.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AuditPageTests(BrowserFixture browser, MailPortalFixture portal)
    : PortalPageTest(browser, portal), IClassFixture<MailPortalFixture>
{
    private static readonly string[] BlockingImpacts = ["serious", "critical"];

    private IPage Page => Session.Page;

    private ILocator MainNav => Page.GetByRole(AriaRole.Navigation, new() { Name = "Main", Exact = true });

    private ILocator SearchButton => Page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true });

    private ILocator EventRows => Page.Locator("table.audit-events tbody tr");

    [Fact]
    public async Task An_auditor_verifies_the_chain_and_finds_a_messages_events_by_message_by_recipient_and_by_action()
    {
        var sender = await Portal.CreateUserAsync(StaffRoles.Sender);
        using var api = await ApiClientAsync(sender.Email);
        var recipient = $"audited-{Guid.NewGuid():N}@example.com";
        var bystander = $"bystander-{Guid.NewGuid():N}@example.com";
        var messageId = await SendAsync(api, recipient);
        var otherId = await SendAsync(api, bystander);
        // Created, sent, and the notification handed to the SMTP sink (recorded by the outbox soon after).
        var expected = await WaitForEventsAsync(e => e.MessageId == messageId, 3);
        await WaitForEventsAsync(e => e.MessageId == otherId, 3);

        await Session.SignInAsync(await Portal.CreateUserAsync(StaffRoles.Auditor));
        await MainNav.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/audit");
        await Expect(Session.PageHeading("Audit trail")).ToBeVisibleAsync();
        Assert.Equal("Audit trail · ConnectidMail", await Page.TitleAsync());

        // The verification, as GET /api/v1/audit/verify gives it.
        await Expect(Page.Locator("#verification-result")).ToContainTextAsync("Valid:");
        await Expect(Page.Locator("#verification-head")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        await Expect(Page.Locator("#verification-first-invalid")).ToHaveTextAsync("None");
        // The signing key's fingerprint, to keep outside the portal.
        await Expect(Page.Locator("#audit-key-fingerprint")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        var shownCount = long.Parse(await Page.Locator("#verification-count").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(shownCount, expected[^1].Sequence, long.MaxValue);

        // By message: exactly its events, in sequence order, each with its short hash.
        await Page.GetByLabel("Message id", new() { Exact = true }).FillAsync(messageId.ToString());
        await SearchButton.ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains($"messageId={messageId}", StringComparison.Ordinal));
        await Expect(EventRows).ToHaveCountAsync(expected.Count);
        await Expect(EventRows.Locator("th")).ToHaveTextAsync([.. expected.Select(e => e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        await Expect(EventRows.Locator("td:nth-of-type(3)")).ToHaveTextAsync([.. expected.Select(e => e.Action)]);
        await Expect(EventRows.Locator("td:nth-of-type(6)")).ToHaveTextAsync([.. expected.Select(e => e.Hash[..12])]);
        await Expect(Page.Locator("table.audit-events caption")).ToContainTextAsync($"{expected.Count} event(s) found");
        Assert.DoesNotContain(otherId.ToString(), await Page.Locator("table.audit-events").InnerTextAsync(), StringComparison.Ordinal);
        await AssertAccessibleAsync("the message search");

        // The evidence downloads cover the message searched for.
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Download PDF report", Exact = true }))
            .ToHaveAttributeAsync("href", $"api/v1/audit/report?messageId={messageId}");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Download JSON export", Exact = true }))
            .ToHaveAttributeAsync("href", $"api/v1/audit/export?messageId={messageId}");

        // By recipient address (a new search): the recipient's events only, not the bystander's.
        await Page.GetByRole(AriaRole.Link, new() { Name = "Clear the search", Exact = true }).ClickAsync();
        await Session.WaitForPathAsync("/audit");
        await Expect(Page.GetByLabel("Message id", new() { Exact = true })).ToHaveValueAsync("");
        await Page.GetByLabel("Recipient address", new() { Exact = true }).FillAsync(recipient);
        await SearchButton.ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains("recipient=", StringComparison.Ordinal));
        var forRecipient = expected.Where(e => e.RecipientId is not null).ToList();
        await Expect(EventRows.Locator("td:nth-of-type(3)")).ToHaveTextAsync([.. forRecipient.Select(e => e.Action)]);
        await Expect(EventRows.First).ToContainTextAsync(messageId.ToString());
        Assert.DoesNotContain(otherId.ToString(), await Page.Locator("table.audit-events").InnerTextAsync(), StringComparison.Ordinal);

        // And by action on top: one notification.
        await Page.GetByLabel("Action", new() { Exact = true }).SelectOptionAsync(AuditActions.NotificationSent);
        await SearchButton.ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains("action=notification.sent", StringComparison.Ordinal));
        await Expect(EventRows).ToHaveCountAsync(1);
        await Expect(EventRows.Locator("td:nth-of-type(3)")).ToHaveTextAsync(AuditActions.NotificationSent);
        await Expect(Page.GetByLabel("Recipient address", new() { Exact = true })).ToHaveValueAsync(recipient);

        // A time range that ends before it starts is refused in words, not with an error page.
        await Page.GetByLabel("From (UTC)", new() { Exact = true }).FillAsync("2026-02-01T10:00");
        await Page.GetByLabel("To (UTC)", new() { Exact = true }).FillAsync("2026-01-01T10:00");
        await SearchButton.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "'from' is after 'to'" })).ToBeVisibleAsync();
        Assert.True(Session.BrowserErrors.Count == 0, "The browser reported errors:\n" + string.Join("\n", Session.BrowserErrors));
    }

    [Fact]
    public async Task A_sender_gets_access_denied_and_no_audit_link_and_an_anonymous_visitor_is_asked_to_log_in()
    {
        await Session.GotoAsync("/audit");
        await Session.WaitForPathAsync(BrowserSession.LoginPath);
        Assert.Equal("/audit", Session.CurrentQuery["returnUrl"]);

        await Session.SignInAsync(await Portal.CreateUserAsync(StaffRoles.Sender));
        await Expect(MainNav.GetByRole(AriaRole.Link)).ToHaveTextAsync(["Dashboard", "Compose", "Sent", "Account"]);
        await Session.GotoAsync("/audit");
        Assert.Equal("/Account/AccessDenied", Session.CurrentPath);
        await Expect(Session.PageHeading("Access denied")).ToBeVisibleAsync();
        Assert.Equal(0, await Page.Locator("table.audit-events").CountAsync());
    }

    private async Task AssertAccessibleAsync(string what)
    {
        var result = await Page.RunAxe();
        Assert.NotEmpty(result.Passes);
        var blocking = result.Violations.Where(v => BlockingImpacts.Contains(v.Impact)).ToList();
        Assert.True(
            blocking.Count == 0,
            $"axe found serious violations on {what}:\n" + string.Join("\n", blocking.Select(v => $"- [{v.Impact}] {v.Id}: {v.Help}\n    "
                + string.Join("\n    ", v.Nodes.Select(n => n.Html)))));
    }

    /// <summary>The stored events that match, in sequence order, once there are at least <paramref name="count"/>.</summary>
    private async Task<List<AuditEvent>> WaitForEventsAsync(Func<AuditEvent, bool> match, int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var events = await Portal.Portal.WithDbAsync(db => db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync());
            var matching = events.Where(match).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Fewer than {count} matching audit events were recorded in 20 seconds.");
    }

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var key = await AdminCliRunner.RunAsync(Portal.Portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.OutputLines[^1]);
        return client;
    }

    private static async Task<Guid> SendAsync(HttpClient client, string to)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/messages", new { to = new[] { to }, subject = "Audited", body = "Content." });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("id").GetGuid();
    }
}
