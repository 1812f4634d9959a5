using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectidMail.Audit;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Verification.RecipientTestSupport;

namespace ConnectidMail.IntegrationTests.Audit;

/// <summary>
/// The JSON export and the PDF report after a real recipient flow: what they hold, that they verify offline with the
/// CLI and that edited copies fail naming the event or checkpoint, that each export is recorded, and who may call them.
/// </summary>
public sealed class AuditExportTests : IAsyncLifetime
{
    private const string Password = "a sufficiently long password";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private SmtpSink sink = null!;

    public async Task InitializeAsync() => sink = await SmtpSink.StartOnFreePortAsync();

    public async Task DisposeAsync() => await sink.DisposeAsync();

    [Fact]
    public async Task A_message_export_holds_its_story_with_hashes_is_recorded_and_verifies_offline()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        using var auditor = await KeyClientAsync(portal, StaffRoles.Auditor);
        var (messageId, email) = await MessageReadByRecipientAsync(portal);
        var before = await portal.EventsAsync();

        using var response = await auditor.GetAsync($"/api/v1/audit/export?messageId={messageId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("audit-export-", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var export = JsonNode.Parse(bytes)!;

        // The head is the chain's last event before the export, and the export's own event comes right after it.
        Assert.Equal(before[^1].Sequence, export["head"]!["sequence"]!.GetValue<long>());
        Assert.Equal(before[^1].Hash, export["head"]!["hash"]!.GetValue<string>());
        Assert.True(export["verification"]!["valid"]!.GetValue<bool>());
        var events = export["events"]!.AsArray();
        var stored = before.Where(e => e.MessageId == messageId || e.ActorDisplay == email).ToList();
        Assert.Equal(stored.Select(e => (e.Sequence, e.Action, e.Hash, e.PreviousHash)),
            events.Select(e => (e!["sequence"]!.GetValue<long>(), e["action"]!.GetValue<string>(), e["hash"]!.GetValue<string>(), e["previousHash"]!.GetValue<string>())));
        Assert.Equal(events.Count, export["eventCount"]!.GetValue<long>());
        foreach (var action in new[] { AuditActions.MessageCreated, AuditActions.MessageSent, AuditActions.NotificationSent, AuditActions.CodeSent,
            AuditActions.RecipientVerified, AuditActions.ConsentGiven, AuditActions.MessageOpened })
        {
            Assert.Contains(events, e => e!["action"]!.GetValue<string>() == action);
        }

        var recorded = (await portal.EventsAsync()).Single(e => e.Action == AuditActions.AuditExported);
        Assert.Equal(before[^1].Sequence + 1, recorded.Sequence);
        Assert.Equal(messageId, recorded.MessageId);
        Assert.Contains($"\"events\":{events.Count}", recorded.Detail, StringComparison.Ordinal);
        Assert.Contains("\"format\":\"json\"", recorded.Detail, StringComparison.Ordinal);

        // The selection verifies offline, and says that it is a selection.
        var check = await VerifyExportAsync(bytes);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.Contains("a selection", check.OutputLines[^1], StringComparison.Ordinal);

        // One event's detail changed: the CLI names that event.
        var edited = JsonNode.Parse(bytes)!;
        var opened = edited["events"]!.AsArray().First(e => e!["action"]!.GetValue<string>() == AuditActions.MessageOpened)!;
        opened["detail"] = JsonNode.Parse("""{"verifiedBy":"passkey"}""");
        var editedCheck = await VerifyExportAsync(Encoding.UTF8.GetBytes(edited.ToJsonString()));
        Assert.Equal(1, editedCheck.ExitCode);
        Assert.Contains($"Event {opened["sequence"]}: its hash does not match its content (the event was altered).", editedCheck.OutputLines);

        // A time range outside the events selects none; a range the wrong way round is refused.
        var after = Uri.EscapeDataString(AuditHashing.FormatTime(before[^1].At.AddMinutes(1)));
        var empty = JsonNode.Parse(await auditor.GetStringAsync($"/api/v1/audit/export?messageId={messageId}&from={after}"))!;
        Assert.Empty(empty["events"]!.AsArray());
        var earlier = Uri.EscapeDataString(AuditHashing.FormatTime(before[0].At));
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync($"/api/v1/audit/export?from={after}&to={earlier}")).StatusCode);
    }

    [Fact]
    public async Task A_whole_trail_export_proves_itself_and_a_removed_event_or_forged_checkpoint_is_named()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        using var auditor = await KeyClientAsync(portal, StaffRoles.Auditor);
        await portal.AppendAsync(6);

        var bytes = await auditor.GetByteArrayAsync("/api/v1/audit/export");
        var export = JsonNode.Parse(bytes)!;
        Assert.True(export["scope"]!["wholeTrail"]!.GetValue<bool>());
        var events = export["events"]!.AsArray();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e!["sequence"]!.GetValue<long>()));
        var whole = await VerifyExportAsync(bytes);
        Assert.True(whole.ExitCode == 0, whole.Output + whole.Error);
        Assert.Contains("the whole trail from event 1 to the head, complete", whole.OutputLines[^1], StringComparison.Ordinal);

        // One event removed from the middle: named as missing.
        var removed = JsonNode.Parse(bytes)!;
        var middle = removed["events"]!.AsArray()[3]!["sequence"]!.GetValue<long>();
        removed["events"]!.AsArray().RemoveAt(3);
        removed["eventCount"] = removed["events"]!.AsArray().Count;
        var removedCheck = await VerifyExportAsync(Encoding.UTF8.GetBytes(removed.ToJsonString()));
        Assert.Equal(1, removedCheck.ExitCode);
        Assert.Contains($"Event {middle} is missing: the event after {middle - 1} is {middle + 1}.", removedCheck.OutputLines);

        // The last event removed (a cut tail): the head names it.
        var cut = JsonNode.Parse(bytes)!;
        cut["events"]!.AsArray().RemoveAt(events.Count - 1);
        cut["eventCount"] = events.Count - 1;
        var cutCheck = await VerifyExportAsync(Encoding.UTF8.GetBytes(cut.ToJsonString()));
        Assert.Equal(1, cutCheck.ExitCode);
        Assert.Contains(cutCheck.OutputLines, line => line.StartsWith($"The export ends at event {events.Count - 1} but its head is event {events.Count}", StringComparison.Ordinal));

        // A checkpoint in the shared format (signed over the canonical {headHash, keyId, sequence, time}) verifies;
        // one changed byte of its signature is named.
        var (signed, keyId) = WithCheckpoint(JsonNode.Parse(bytes)!, sequence: 4, events[3]!["hash"]!.GetValue<string>());
        var signedCheck = await VerifyExportAsync(Encoding.UTF8.GetBytes(signed.ToJsonString()));
        Assert.True(signedCheck.ExitCode == 0, signedCheck.Output + signedCheck.Error);
        Assert.Contains($"1 checkpoint signature(s) valid (sequence 4 by key {keyId})", signedCheck.OutputLines[^1], StringComparison.Ordinal);
        var forged = JsonNode.Parse(signed.ToJsonString())!;
        var signature = Convert.FromBase64String(forged["checkpoints"]![0]!["signature"]!.GetValue<string>());
        signature[10] ^= 1;
        forged["checkpoints"]![0]!["signature"] = Convert.ToBase64String(signature);
        var forgedCheck = await VerifyExportAsync(Encoding.UTF8.GetBytes(forged.ToJsonString()));
        Assert.Equal(1, forgedCheck.ExitCode);
        Assert.Contains("Checkpoint 4's signature does not match its sequence, head hash, time and key id: it was altered or forged.", forgedCheck.OutputLines);

        // A checkpoint whose event was rewritten (same signature, the event's hash no longer what it signed) is named too.
        var rewritten = JsonNode.Parse(signed.ToJsonString())!;
        rewritten["events"]![3]!["detail"] = JsonNode.Parse("""{"number":99}""");
        var rewrittenCheck = await VerifyExportAsync(Encoding.UTF8.GetBytes(rewritten.ToJsonString()));
        Assert.Equal(1, rewrittenCheck.ExitCode);
        Assert.Contains("Event 4: its hash does not match its content (the event was altered).", rewrittenCheck.OutputLines);
    }

    [Fact]
    public async Task The_pdf_report_shows_the_story_consent_and_head_passes_qpdf_and_its_attached_evidence_verifies()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        using var auditor = await CookieSessionAsync(portal, StaffRoles.Auditor);
        var (messageId, email) = await MessageReadByRecipientAsync(portal);
        var signingKey = await SignCheckpointAsync(portal);
        var before = await portal.EventsAsync();
        var consent = before.Single(e => e.Action == AuditActions.ConsentGiven && e.ActorDisplay == email);
        var consentDetail = JsonDocument.Parse(consent.Detail!).RootElement;

        // The auditor's page links here with the staff cookie.
        using var response = await auditor.Client.GetAsync($"/api/v1/audit/report?messageId={messageId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();

        using (var document = UglyToad.PdfPig.PdfDocument.Open(pdf))
        {
            var pages = document.GetPages().Select(p => p.Text).ToList();
            var first = pages[0];
            Assert.Contains(Organisation, first, StringComparison.Ordinal);
            Assert.Contains(before[^1].Hash, first, StringComparison.Ordinal);
            Assert.Contains("The whole chain verified", first, StringComparison.Ordinal);
            Assert.Contains(signingKey.Fingerprint, first, StringComparison.Ordinal);
            Assert.Contains($"the latest at sequence {before[^1].Sequence}", first, StringComparison.Ordinal);
            Assert.Contains("every signature is valid", first, StringComparison.Ordinal);
            var all = string.Concat(pages);
            Assert.Contains($"Recipient {email}", all, StringComparison.Ordinal);
            Assert.Contains("one-time code", all, StringComparison.Ordinal);
            Assert.Contains(consentDetail.GetProperty("version").GetString()!, all, StringComparison.Ordinal);
            Assert.Contains(consentDetail.GetProperty("textHash").GetString()!, all, StringComparison.Ordinal);
            foreach (var e in before.Where(e => e.MessageId == messageId))
            {
                Assert.Contains(e.Action, all, StringComparison.Ordinal);
                Assert.Contains(e.Hash[..12], all, StringComparison.Ordinal);
            }

            for (var index = 0; index < pages.Count; index++)
            {
                Assert.Contains($"Page {index + 1} of {pages.Count}", pages[index], StringComparison.Ordinal);
            }

            Assert.True(document.Advanced.TryGetEmbeddedFiles(out var files));
            Assert.Equal("evidence.json", Assert.Single(files).Name);
        }

        await AssertQpdfAcceptsAsync(pdf);
        var signature = ConnectidMail.Reports.EvidencePdfReader.CheckSignature(pdf);
        Assert.True(signature.Valid, signature.Explanation);
        Assert.Equal(signingKey.Fingerprint, AuditSigningKeys.Fingerprint(signature.Signer!.PublicKey.ExportSubjectPublicKeyInfo()));
        var check = await VerifyExportAsync(pdf, "pdf");
        Assert.True(check.ExitCode == 0, check.Output + check.Error);
        Assert.StartsWith("VALID", check.OutputLines[^1], StringComparison.Ordinal);
        Assert.Contains($"sequence {before[^1].Sequence} by key {signingKey.KeyId}", check.OutputLines[^1], StringComparison.Ordinal);
        Assert.Contains("PDF signature valid over the whole file", check.OutputLines[^1], StringComparison.Ordinal);

        // One byte of the report changed: its signature no longer holds.
        var edited = (byte[])pdf.Clone();
        edited[Encoding.Latin1.GetString(pdf).IndexOf(Organisation, StringComparison.Ordinal)] ^= 0x20;
        var editedCheck = await VerifyExportAsync(edited, "pdf");
        Assert.Equal(1, editedCheck.ExitCode);
        Assert.Contains(editedCheck.OutputLines, line => line.StartsWith("The PDF's signature: The signature does not match the file", StringComparison.Ordinal));

        var recorded = (await portal.EventsAsync()).Single(e => e.Action == AuditActions.AuditExported);
        Assert.Equal(AuditActorKind.Staff, recorded.ActorKind);
        Assert.Contains("\"format\":\"pdf\"", recorded.Detail, StringComparison.Ordinal);

        // A checkpoint forged in the database: the export says the chain is invalid at it, and the CLI names it.
        var head = before[^1].Sequence;
        var forged = Convert.FromBase64String((await portal.WithDbAsync(db => db.AuditCheckpoints.AsNoTracking().SingleAsync(c => c.Sequence == head))).Signature);
        forged[0] ^= 1;
        await portal.SqlAsync($"""UPDATE "AuditCheckpoints" SET "Signature" = '{Convert.ToBase64String(forged)}' WHERE "Sequence" = {head}""");
        var export = await auditor.Client.GetByteArrayAsync("/api/v1/audit/export");
        var verification = JsonNode.Parse(export)!["verification"]!;
        Assert.False(verification["valid"]!.GetValue<bool>());
        Assert.Equal(before[^1].Sequence, verification["firstInvalidSequence"]!.GetValue<long>());
        var forgedCheck = await VerifyExportAsync(export);
        Assert.Equal(1, forgedCheck.ExitCode);
        Assert.Contains($"Checkpoint {before[^1].Sequence}'s signature does not match its sequence, head hash, time and key id: it was altered or forged.", forgedCheck.OutputLines);
    }

    [Fact]
    public async Task Only_auditors_and_admins_get_the_export_and_report_by_key_or_staff_cookie()
    {
        using var portal = Portal(Settings(sink.PortalSettings()));
        using var auditorKey = await KeyClientAsync(portal, StaffRoles.Auditor);
        using var senderKey = await KeyClientAsync(portal, StaffRoles.Sender);
        using var senderCookie = await CookieSessionAsync(portal, StaffRoles.Sender);
        using var adminCookie = await CookieSessionAsync(portal, StaffRoles.Admin);
        using var anonymous = portal.CreateClient();
        var (messageId, _) = await MessageReadByRecipientAsync(portal, keepRecipient: async recipient =>
        {
            // A verified recipient's session cookie opens nothing here.
            foreach (var path in new[] { "/api/v1/audit/export", "/api/v1/audit/report" })
            {
                using var refused = await recipient.Http.GetAsync(path);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }
        });
        var exportsBefore = (await portal.EventsAsync()).Count(e => e.Action == AuditActions.AuditExported);
        Assert.Equal(0, exportsBefore);

        foreach (var path in new[] { $"/api/v1/audit/export?messageId={messageId}", $"/api/v1/audit/report?messageId={messageId}" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await senderKey.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await senderCookie.Client.GetAsync(path)).StatusCode);
            using var none = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
            Assert.Equal(0, (await portal.EventsAsync()).Count(e => e.Action == AuditActions.AuditExported));
        }

        Assert.Equal(HttpStatusCode.OK, (await auditorKey.GetAsync("/api/v1/audit/export")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await adminCookie.Client.GetAsync("/api/v1/audit/export")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await adminCookie.Client.GetAsync("/api/v1/audit/report")).StatusCode);
        Assert.Equal(3, (await portal.EventsAsync()).Count(e => e.Action == AuditActions.AuditExported));
    }

    /// <summary>Signs a checkpoint at the head now with the portal's audit key (made from the master key on first use).</summary>
    private static async Task<AuditSigningKey> SignCheckpointAsync(PortalFactory portal)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var checkpoints = scope.ServiceProvider.GetRequiredService<AuditCheckpoints>();
        var key = await checkpoints.CurrentKeyAsync();
        Assert.NotNull(await checkpoints.MakeNowAsync());
        return key;
    }

    /// <summary>Sends a message to a new address; the recipient verifies by code, consents and opens it.</summary>
    private async Task<(Guid MessageId, string Email)> MessageReadByRecipientAsync(PortalFactory portal, Func<RecipientClient, Task>? keepRecipient = null)
    {
        using var sender = await KeyClientAsync(portal, StaffRoles.Sender);
        var email = NewAddress();
        var messageId = await SendAsync(sender, new { to = new[] { email }, subject = "Contract", body = "Please sign." });
        using var recipient = new RecipientClient(portal, sink, email);
        var page = await recipient.VerifyAndConsentAsync();
        Assert.Equal(HttpStatusCode.OK, page.Status);
        await WaitForAsync(
            async () => (await portal.EventsAsync()).Any(e => e.MessageId == messageId && e.Action == AuditActions.NotificationSent)
                && (await portal.EventsAsync()).Any(e => e.MessageId == messageId && e.Action == AuditActions.MessageOpened),
            TimeSpan.FromSeconds(15));
        if (keepRecipient is not null)
        {
            await keepRecipient(recipient);
        }

        return (messageId, email);
    }

    private static async Task<HttpClient> KeyClientAsync(PortalFactory portal, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", Password);
        Assert.True(user.ExitCode == 0, user.Error);
        var key = await AdminCliRunner.RunAsync(portal, "create-api-key", "--email", email, "--name", "tests");
        Assert.True(key.ExitCode == 0, key.Error);
        return ClientWithKey(portal, key.OutputLines[^1]);
    }

    [Fact]
    public async Task The_auditor_page_sends_the_search_results_at_once_and_only_the_chain_check_after_them()
    {
        // On SQLite in both lanes: its search answers at once, so the check always comes after the page. On PostgreSQL a
        // short trail's check can finish while the page still waits for its search, and then nothing needs streaming.
        using var portal = Portal(Settings(new Dictionary<string, string?>(sink.PortalSettings()) { ["Database:Provider"] = "Sqlite" }));
        using var auditor = await CookieSessionAsync(portal, StaffRoles.Auditor);

        using var response = await auditor.Client.GetAsync($"/audit?action={AuditActions.UserCreated}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The page goes out with the events found and the check still running; only the check's card follows, in a
        // streamed update of the same response (the search boxes and results are not sent again).
        var streamed = html.IndexOf("<blazor-ssr>", StringComparison.Ordinal);
        Assert.True(streamed > 0, "The page was not streamed:\n" + html);
        var table = html.IndexOf("<table class=\"audit-events\"", StringComparison.Ordinal);
        Assert.InRange(table, 0, streamed);
        Assert.Contains(AuditActions.UserCreated, html[table..streamed], StringComparison.Ordinal);
        Assert.InRange(html.IndexOf("id=\"verification-pending\"", StringComparison.Ordinal), 0, streamed);
        var update = html[streamed..];
        Assert.Contains("id=\"verification-result\"", update, StringComparison.Ordinal);
        Assert.Contains("Valid:", update, StringComparison.Ordinal);
        Assert.DoesNotContain("audit-events", update, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"audit-message\"", update, StringComparison.Ordinal);
    }

    private static async Task<StaffSession> CookieSessionAsync(PortalFactory portal, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var user = await AdminCliRunner.RunAsync(portal, "create-user", "--email", email, "--role", role, "--password", Password);
        Assert.True(user.ExitCode == 0, user.Error);
        var session = new StaffSession(portal);
        if (role == StaffRoles.Admin)
        {
            await session.LogInWithAuthenticatorAsync(email, Password);
        }
        else
        {
            var (status, location, _) = await session.LogInAsync(email, Password);
            Assert.True(status is HttpStatusCode.Redirect or HttpStatusCode.Found, $"sign-in answered {status}");
            Assert.NotEqual("/Account/Login", location);
        }

        return session;
    }

    /// <summary>Runs <c>admin audit verify-export</c> on the bytes, with no portal settings at all: it needs no database.</summary>
    private static async Task<CliResult> VerifyExportAsync(byte[] content, string extension = "json")
    {
        using var folder = new TempFolder();
        var path = folder.Combine($"evidence.{extension}");
        await File.WriteAllBytesAsync(path, content);
        return await AdminCliRunner.RunAsync([], null, "audit", "verify-export", path);
    }

    /// <summary>Adds a checkpoint and its key as the portal exports them (the checkpoints feature's own signer and key format).</summary>
    private static (JsonNode Export, string KeyId) WithCheckpoint(JsonNode export, long sequence, string headHash)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var published = AuditSigningKeys.PublicKeyOf(key, now);
        var checkpoint = AuditCheckpointSignature.Sign(key, published.KeyId, sequence, headHash, now);
        export["checkpoints"] = new JsonArray(JsonSerializer.SerializeToNode(checkpoint, Web));
        export["keys"] = new JsonArray(JsonSerializer.SerializeToNode(published, Web));
        return (export, published.KeyId);
    }

    private static async Task AssertQpdfAcceptsAsync(byte[] pdf)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("report.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        // tests/run.sh installs qpdf where it is missing.
        using var qpdf = Process.Start(new ProcessStartInfo("qpdf", ["--check", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await qpdf.StandardOutput.ReadToEndAsync() + await qpdf.StandardError.ReadToEndAsync();
        await qpdf.WaitForExitAsync();
        Assert.True(qpdf.ExitCode == 0, output);
    }
}
