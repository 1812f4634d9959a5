using System.Text.Json;
using ConnectidMail.Audit;
using ConnectidMail.Passkeys;
using ConnectidMail.Testing;
using ConnectidMail.Verification;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Recipient;

/// <summary>
/// The recipient's access log (read from the audit trail) and "This wasn't me", over HTTP against a real portal,
/// database and SMTP server.
/// </summary>
public sealed class AccessLogTests
{
    private const string WindowsFirefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
    private const string AndroidChrome = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

    [Fact]
    public async Task A_recipient_sees_when_and_how_their_messages_were_reached_and_nothing_of_another_address()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        using var a = Browser(portal, sink, WindowsFirefox);
        using var b = Browser(portal, sink, AndroidChrome);
        await SendAsync(sender, new { to = new[] { a.Email }, subject = "For A", body = "A" });
        await SendAsync(sender, new { to = new[] { b.Email }, subject = "For B", body = "B" });
        await a.VerifyAndConsentAsync();
        await b.VerifyAndConsentAsync();

        var mine = await a.GetAsync("/recipient/activity");
        Assert.Equal("/recipient/activity", mine.Uri.AbsolutePath);
        Assert.Contains("Address verified", mine.Text, StringComparison.Ordinal);
        Assert.Contains("Message opened", mine.Text, StringComparison.Ordinal);
        Assert.Contains("Mail code", mine.Text, StringComparison.Ordinal);
        Assert.Contains("Firefox on Windows", mine.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Android", mine.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(WindowsFirefox, mine.Html, StringComparison.Ordinal);
        Assert.Equal("no-store", mine.CacheControl);

        var theirs = await b.GetAsync("/recipient/activity");
        Assert.Contains("Chrome on Android", theirs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Windows", theirs.Text, StringComparison.Ordinal);

        // The same log in Danish.
        a.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("da");
        var danish = await a.GetAsync("/recipient/activity");
        Assert.Contains("Adgangslog", danish.Text, StringComparison.Ordinal);
        Assert.Contains("Besked åbnet", danish.Text, StringComparison.Ordinal);
        Assert.Contains("Firefox på Windows", danish.Text, StringComparison.Ordinal);
        Assert.Contains("Det var ikke mig", danish.Text, StringComparison.Ordinal);

        // Without a session the log is not shown.
        using var stranger = new RecipientClient(portal, sink, NewAddress());
        var refused = await stranger.GetAsync("/recipient/activity");
        Assert.Equal("/verify", refused.Uri.AbsolutePath);
        Assert.DoesNotContain("Message opened", refused.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task This_wasnt_me_ends_every_session_of_the_address_removes_its_passkeys_records_it_and_alerts_the_sender_by_link_only()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = Portal(Settings(sink.PortalSettings()), NewClock());
        using var sender = await SenderClientAsync(portal);
        var email = NewAddress();
        using var first = Browser(portal, sink, WindowsFirefox, email);
        using var second = Browser(portal, sink, AndroidChrome, email);
        using var other = Browser(portal, sink, AndroidChrome);
        var message = await SendAsync(sender, new { to = new[] { email }, subject = "Private subject", body = "Private body" });
        var othersMessage = await SendAsync(sender, new { to = new[] { other.Email }, subject = "Other", body = "Other body" });
        await first.VerifyAndConsentAsync();
        await second.VerifyAndConsentAsync();
        await other.VerifyAndConsentAsync();
        await AddPasskeyAsync(portal, email);
        await AddPasskeyAsync(portal, other.Email);
        var senderEmail = await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == message).Join(db.Users, m => m.SenderId, u => u.Id, (m, u) => u.Email!).SingleAsync());

        // The log's button leads to a confirmation page; only its form does anything.
        var confirm = await first.GetAsync("/recipient/activity/not-me");
        Assert.Contains("Yes, end all sessions and remove my passkeys", confirm.Text, StringComparison.Ordinal);
        Assert.Equal(2, await OpenSessionsAsync(portal, email));

        var done = await first.PostFormAsync("/recipient/activity/not-me", "not-me");

        Assert.Equal("/signed-out", done.Uri.AbsolutePath);
        Assert.Contains("Every session of your address has ended", done.Text, StringComparison.Ordinal);
        Assert.Equal("/verify", (await second.GetAsync("/inbox")).Uri.AbsolutePath);
        Assert.Equal("/verify", (await first.GetAsync($"/m/{message}")).Uri.AbsolutePath);
        Assert.Equal(0, await OpenSessionsAsync(portal, email));
        Assert.Equal(
            [SessionEndReasons.NotMe],
            await portal.WithDbAsync(db => db.RecipientSessions.Where(s => s.Email == email).Select(s => s.EndReason!).Distinct().ToListAsync()));
        Assert.Equal(0, await PasskeysAsync(portal, email));

        // Another address keeps its session and passkey.
        Assert.Equal("/inbox", (await other.GetAsync("/inbox")).Uri.AbsolutePath);
        Assert.Equal(1, await PasskeysAsync(portal, other.Email));

        var report = Assert.Single(await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.RecipientReportedNotMe).ToListAsync()));
        Assert.Equal(email, report.ActorDisplay);
        using (var detail = JsonDocument.Parse(report.Detail!))
        {
            Assert.Equal(2, detail.RootElement.GetProperty("sessionsEnded").GetInt32());
            Assert.Equal(1, detail.RootElement.GetProperty("passkeysRemoved").GetInt32());
            Assert.Equal(1, detail.RootElement.GetProperty("sendersAlerted").GetInt32());
        }

        Assert.Equal(1, await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.PasskeyRemoved && e.ActorDisplay == email)));
        Assert.True((await portal.WithDbAsync(db => new AuditVerifier(db).VerifyAsync([]))).Valid);

        var alert = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(x => x.Address == senderEmail));
        Assert.Contains("reported access that was not theirs", alert.Subject, StringComparison.Ordinal);
        Assert.Contains($"{PublicBaseUrl}/messages/{message}", alert.TextBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{PublicBaseUrl}/messages/{message}\"", alert.HtmlBody, StringComparison.Ordinal);
        foreach (var part in new[] { alert.Subject, alert.TextBody, alert.HtmlBody })
        {
            Assert.DoesNotContain("Private", part, StringComparison.Ordinal);
            Assert.DoesNotContain(othersMessage.ToString(), part, StringComparison.Ordinal);
        }

        // The address can come back with a new code.
        using var back = Browser(portal, sink, WindowsFirefox, email);
        Assert.Equal($"/m/{message}", (await back.VerifyAndConsentAsync()).Uri.AbsolutePath);
    }

    private static RecipientClient Browser(PortalFactory portal, SmtpSink sink, string userAgent, string? email = null)
    {
        var client = new RecipientClient(portal, sink, email ?? NewAddress());
        client.Http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        return client;
    }

    private static Task<int> OpenSessionsAsync(PortalFactory portal, string email) =>
        portal.WithDbAsync(db => db.RecipientSessions.CountAsync(s => s.Email == email && s.EndedAt == null));

    private static Task<int> PasskeysAsync(PortalFactory portal, string email) =>
        portal.WithDbAsync(db => db.RecipientPasskeys.CountAsync(p => p.NormalizedEmail == email.ToUpperInvariant()));

    /// <summary>A stored passkey of the address (its ceremony is tested elsewhere; here only its removal counts).</summary>
    private static Task AddPasskeyAsync(PortalFactory portal, string email) => portal.WithDbAsync(async db =>
    {
        db.RecipientPasskeys.Add(new RecipientPasskey
        {
            Id = Guid.NewGuid(),
            NormalizedEmail = email.ToUpperInvariant(),
            CredentialId = Guid.NewGuid().ToByteArray(),
            PublicKey = [1, 2, 3],
            UserHandle = Guid.NewGuid().ToByteArray(),
            Name = "Passkey",
            CreatedAt = DateTimeOffset.UtcNow,
            EnrolledAfter = VerificationMethods.Code,
        });
        return await db.SaveChangesAsync();
    });

    private static string NewAddress() => $"recipient-{Guid.NewGuid():N}@example.org";
}
