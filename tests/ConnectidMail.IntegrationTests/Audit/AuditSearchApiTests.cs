using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>
/// The events API's search (the auditor's page runs the same one): by recipient address, sender address and action,
/// combined, paged in chain order; bad searches answer problem details; only auditors and admins may search.
/// </summary>
public sealed class AuditSearchApiTests : IAsyncLifetime
{
    private SmtpSink sink = null!;

    public async Task InitializeAsync() => sink = await SmtpSink.StartOnFreePortAsync();

    public async Task DisposeAsync() => await sink.DisposeAsync();

    [Fact]
    public async Task Events_are_found_by_recipient_sender_and_action_paged_in_chain_order_and_only_for_auditors()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        var (_, auditor) = await StaffClientAsync(portal, StaffRoles.Auditor);
        var (senderEmail, sender) = await StaffClientAsync(portal, StaffRoles.Sender);
        var (_, otherSender) = await StaffClientAsync(portal, StaffRoles.Sender);
        var anna = NewAddress();
        var bo = NewAddress("bo");
        var first = await SendAsync(sender, new { to = new[] { anna, bo }, subject = "s", body = "b" });
        var second = await SendAsync(sender, new { to = new[] { anna }, subject = "s", body = "b" });
        var others = await SendAsync(otherSender, new { to = new[] { anna }, subject = "s", body = "b" });

        // Anna proves her address: events named by her address only, before any link names a recipient record.
        await UseAsync<VerificationCodes>(portal, codes => codes.SendAsync(anna, "203.0.113.7"));
        var code = CodeIn((await MailsToAsync(sink, anna, 4)).Single(m => !(m.TextBody ?? "").Contains("/r/", StringComparison.Ordinal)));
        await UseAsync<VerificationCodes>(portal, codes => codes.CheckAsync(anna, code));
        // Four notifications handed to the SMTP sink: the outbox records each soon after.
        await WaitForAsync(
            async () => (await portal.EventsAsync()).Count(e => e.Action == AuditActions.NotificationSent) == 4,
            TimeSpan.FromSeconds(15),
            () => "the notification events did not arrive");

        var events = await portal.EventsAsync();
        var annaRecipients = await portal.WithDbAsync(db => db.MessageRecipients.Where(r => r.Email == anna).Select(r => (Guid?)r.Id).ToListAsync());
        Assert.Equal(3, annaRecipients.Count);

        // By recipient: her three message recipients' events and what she did by address; never Bo's; any case.
        var expectedForAnna = events.Where(e => annaRecipients.Contains(e.RecipientId) || e.ActorDisplay == anna).ToList();
        var forAnna = await AllPagesAsync(auditor, $"recipient={Uri.EscapeDataString(anna.ToUpperInvariant())}", pageSize: 3);
        Assert.Equal(expectedForAnna.Select(e => (e.Sequence, e.Hash)), forAnna.Select(Identify));
        Assert.Contains(forAnna, e => e.GetProperty("action").GetString() == AuditActions.CodeSent);
        Assert.Contains(forAnna, e => e.GetProperty("action").GetString() == AuditActions.RecipientVerified);
        Assert.Equal(3, forAnna.Count(e => e.GetProperty("action").GetString() == AuditActions.NotificationSent));
        var boRecipient = await portal.WithDbAsync(db => db.MessageRecipients.Where(r => r.Email == bo).Select(r => r.Id).SingleAsync());
        Assert.DoesNotContain(forAnna, e => e.GetProperty("recipientId").ValueKind == JsonValueKind.String && e.GetProperty("recipientId").GetGuid() == boRecipient);

        // By sender: every event of the sender's two messages (not the other sender's), and nothing else they did here.
        var forSender = await AllPagesAsync(auditor, $"sender={Uri.EscapeDataString(senderEmail)}", pageSize: 4);
        Assert.Equal(
            events.Where(e => e.MessageId == first || e.MessageId == second).Select(e => (e.Sequence, e.Hash)),
            forSender.Select(Identify));
        Assert.DoesNotContain(forSender, e => e.GetProperty("messageId").ValueKind == JsonValueKind.String && e.GetProperty("messageId").GetGuid() == others);

        // Filters combine: the sender's "sent" events for Anna only.
        var combined = await auditor.GetFromJsonAsync<JsonElement>(
            $"/api/v1/audit/events?sender={Uri.EscapeDataString(senderEmail)}&recipient={Uri.EscapeDataString(anna)}&action={AuditActions.MessageSent}");
        Assert.Equal(2, combined.GetProperty("total").GetInt32());
        Assert.All(combined.GetProperty("items").EnumerateArray(), e =>
        {
            Assert.Equal(AuditActions.MessageSent, e.GetProperty("action").GetString());
            Assert.Contains(e.GetProperty("recipientId").GetGuid(), annaRecipients.Select(id => id!.Value));
        });
        var byAction = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events?action={AuditActions.MessageSent}&messageId={first}");
        Assert.Equal(2, byAction.GetProperty("total").GetInt32());

        // Bad searches are problem details that say what is wrong.
        using var unknownAction = await auditor.GetAsync("/api/v1/audit/events?action=message.teleported");
        Assert.Equal(HttpStatusCode.BadRequest, unknownAction.StatusCode);
        Assert.Equal("application/problem+json", unknownAction.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'message.teleported' is not an audit action", (await unknownAction.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var backwards = await auditor.GetAsync("/api/v1/audit/events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync("/api/v1/audit/events?page=0")).StatusCode);

        // A sender's key may not search, whatever it asks for; a page past the end is empty, not an error.
        Assert.Equal(HttpStatusCode.Forbidden, (await sender.GetAsync($"/api/v1/audit/events?sender={Uri.EscapeDataString(senderEmail)}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sender.GetAsync($"/api/v1/audit/events?recipient={Uri.EscapeDataString(anna)}")).StatusCode);
        var beyond = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events?recipient={Uri.EscapeDataString(anna)}&page=99");
        Assert.Equal((expectedForAnna.Count, 0), (beyond.GetProperty("total").GetInt32(), beyond.GetProperty("items").GetArrayLength()));
    }

    /// <summary>Every page of a search, checking that each names the same total and the pages follow in sequence order.</summary>
    private static async Task<List<JsonElement>> AllPagesAsync(HttpClient client, string query, int pageSize)
    {
        var items = new List<JsonElement>();
        int? total = null;
        for (var page = 1; total is null || items.Count < total; page++)
        {
            var body = await client.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events?{query}&page={page}&pageSize={pageSize}");
            Assert.Equal((page, pageSize), (body.GetProperty("page").GetInt32(), body.GetProperty("pageSize").GetInt32()));
            var pageTotal = body.GetProperty("total").GetInt32();
            Assert.Equal(total ?? pageTotal, pageTotal);
            total = pageTotal;
            var pageItems = body.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(pageItems.Count, Math.Min(1, pageTotal), pageSize);
            items.AddRange(pageItems);
            Assert.True(page <= 100, "The pages never ended.");
        }

        var sequences = items.Select(i => i.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        return items;
    }

    private static (long Sequence, string Hash) Identify(JsonElement item) =>
        (item.GetProperty("sequence").GetInt64(), item.GetProperty("hash").GetString()!);

    private static async Task<(string Email, HttpClient Client)> StaffClientAsync(PortalFactory portal, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", "a sufficiently long password");
        Assert.True(user.ExitCode == 0, user.Error);
        var key = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        return (email, ClientWithKey(portal, key.OutputLines[^1]));
    }
}
