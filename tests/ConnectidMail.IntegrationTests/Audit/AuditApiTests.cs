using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>Verification through the API and the CLI, who may call it, and what the recorded actions leave in the trail.</summary>
public sealed class AuditApiTests : IAsyncLifetime
{
    private SmtpSink sink = null!;

    public async Task InitializeAsync() => sink = await SmtpSink.StartOnFreePortAsync();

    public async Task DisposeAsync() => await sink.DisposeAsync();

    [Fact]
    public async Task Auditors_get_the_verification_senders_get_403_and_no_key_401()
    {
        using var portal = new PortalFactory();
        using var auditor = await ClientAsync(portal, StaffRoles.Auditor);
        using var sender = await ClientAsync(portal, StaffRoles.Sender);
        using var anonymous = portal.CreateClient();

        using var verified = await auditor.GetAsync("/api/v1/audit/verify");
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        var body = await verified.Content.ReadFromJsonAsync<JsonElement>();
        var events = await portal.EventsAsync();
        Assert.True(body.GetProperty("valid").GetBoolean());
        Assert.Equal(events.Count, body.GetProperty("eventCount").GetInt64());
        Assert.Equal(events[^1].Hash, body.GetProperty("headHash").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("firstInvalidSequence").ValueKind);

        Assert.Equal(HttpStatusCode.Forbidden, (await sender.GetAsync("/api/v1/audit/verify")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/audit/verify")).StatusCode);
    }

    [Fact]
    public async Task The_api_names_the_first_invalid_event_after_tampering()
    {
        using var portal = new PortalFactory();
        using var auditor = await ClientAsync(portal, StaffRoles.Auditor);
        await portal.AppendAsync(5);
        var count = (await portal.EventsAsync()).Count;
        await portal.SqlAsync($"""DELETE FROM "AuditEvents" WHERE "Sequence" = {count - 2}""");

        var body = await auditor.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.False(body.GetProperty("valid").GetBoolean());
        Assert.Equal(count - 1, body.GetProperty("eventCount").GetInt64());
        Assert.Equal(count - 2, body.GetProperty("firstInvalidSequence").GetInt64());
    }

    [Fact]
    public async Task The_cli_prints_the_verification_and_fails_on_an_edited_event()
    {
        using var portal = new PortalFactory();
        await portal.AppendAsync(4);

        var intact = await AdminCliRunner.RunAsync(portal, "audit", "verify");
        Assert.True(intact.ExitCode == 0, intact.Error);
        var result = JsonDocument.Parse(intact.OutputLines[^1]).RootElement;
        Assert.Equal((true, 4L, (await portal.EventsAsync())[^1].Hash),
            (result.GetProperty("valid").GetBoolean(), result.GetProperty("eventCount").GetInt64(), result.GetProperty("headHash").GetString()));

        await portal.SqlAsync("""UPDATE "AuditEvents" SET "Detail" = '{{"number":99}}' WHERE "Sequence" = 2""");
        var tampered = await AdminCliRunner.RunAsync(portal, "audit", "verify");
        Assert.Equal(1, tampered.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(tampered.OutputLines[^1]).RootElement.GetProperty("firstInvalidSequence").GetInt64());
        Assert.Contains("Event 2 was altered", tampered.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Staff_changes_are_chained_events_and_a_message_and_code_flow_leaves_no_secret_in_the_trail()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        using var sender = await SenderClientAsync(portal);
        var email = NewAddress();
        var marker = NewMarker();
        var messageId = await SendAsync(sender, new { to = new[] { email }, subject = $"subject {marker}", body = $"body {marker}", accessCode = "phone-1234" });
        var notification = Assert.Single(await MailsToAsync(sink, email, 1));
        var link = notification.TextBody ?? "";

        await UseAsync<VerificationCodes>(portal, codes => codes.SendAsync(email, "203.0.113.9"));
        var code = CodeIn((await MailsToAsync(sink, email, 2)).Single(m => m.MessageId != notification.MessageId));
        await UseAsync<VerificationCodes>(portal, codes => codes.CheckAsync(email, WrongCode(code)));
        await UseAsync<VerificationCodes>(portal, codes => codes.CheckAsync(email, code));

        var events = await portal.EventsAsync();
        var actions = events.Select(e => e.Action).ToList();
        Assert.Contains(AuditActions.UserCreated, actions);
        Assert.Contains(AuditActions.ApiKeyCreated, actions);
        Assert.Single(events, e => e.Action == AuditActions.MessageCreated && e.MessageId == messageId);
        Assert.Single(events, e => e.Action == AuditActions.MessageSent && e.MessageId == messageId && e.RecipientId is not null);
        Assert.Equal([AuditActions.CodeSent, AuditActions.CodeFailed, AuditActions.RecipientVerified],
            events.Where(e => e.ActorDisplay == email).Select(e => e.Action));
        Assert.Equal("203.0.113.9", events.Single(e => e.Action == AuditActions.CodeSent).IpAddress);
        Assert.Contains("\"method\":\"code\"", events.Single(e => e.Action == AuditActions.RecipientVerified).Detail, StringComparison.Ordinal);
        Assert.True((await portal.VerifyAsync()).Valid);

        var everything = string.Join("\n", events.Select(e => JsonSerializer.Serialize(e)));
        var token = link[(link.IndexOf("/r/", StringComparison.Ordinal) + 3)..].Split(['\r', '\n', ' '], 2)[0];
        foreach (var secret in new[] { code, marker, "phone-1234", token, ApiKeyOf(sender), "a sufficiently long password" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Events_are_found_by_message_and_time_paged_with_their_hashes_and_only_for_auditors()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        using var auditor = await ClientAsync(portal, StaffRoles.Auditor);
        using var sender = await SenderClientAsync(portal);
        var messageId = await SendAsync(sender, new { to = new[] { NewAddress(), NewAddress("bo") }, subject = "s", body = "b" });
        // Created, sent to each recipient, and each notification handed to the SMTP sink (the outbox records those soon after).
        var stored = new List<AuditEvent>();
        for (var attempt = 0; attempt < 200 && stored.Count < 5; attempt++)
        {
            await Task.Delay(50);
            stored = [.. (await portal.EventsAsync()).Where(e => e.MessageId == messageId)];
        }

        Assert.Equal(5, stored.Count);
        Assert.Equal(2, stored.Count(e => e.Action == AuditActions.NotificationSent));

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 3; page++)
        {
            pages.Add(await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events?messageId={messageId}&page={page}&pageSize=2"));
        }

        Assert.Equal([5, 5, 5], pages.Select(p => p.GetProperty("total").GetInt32()));
        Assert.Equal([2, 2, 1], pages.Select(p => p.GetProperty("items").GetArrayLength()));
        var items = pages.SelectMany(p => p.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(stored.Select(e => (e.Sequence, e.Hash, e.PreviousHash)),
            items.Select(i => (i.GetProperty("sequence").GetInt64(), i.GetProperty("hash").GetString()!, i.GetProperty("previousHash").GetString()!)));
        Assert.Equal(AuditActions.MessageCreated, items[0].GetProperty("action").GetString());
        Assert.Equal("staff", items[0].GetProperty("actor").GetProperty("kind").GetString());

        var after = Uri.EscapeDataString(AuditHashing.FormatTime(stored[^1].At.AddSeconds(1)));
        var none = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events?messageId={messageId}&from={after}");
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        var until = Uri.EscapeDataString(AuditHashing.FormatTime(stored[0].At));
        var upTo = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/events?messageId={messageId}&to={until}");
        Assert.Equal(3, upTo.GetProperty("total").GetInt32()); // one save: the same microsecond

        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync("/api/v1/audit/events?pageSize=1000")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sender.GetAsync("/api/v1/audit/events")).StatusCode);
        using var anonymous = portal.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/audit/events")).StatusCode);
    }

    private static async Task<HttpClient> ClientAsync(PortalFactory portal, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", "a sufficiently long password");
        Assert.True(user.ExitCode == 0, user.Error);
        var key = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        return ClientWithKey(portal, key.OutputLines[^1]);
    }
}
