using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;

namespace ConnectidMail.IntegrationTests.Messaging;

/// <summary>
/// What a recipient's link, <c>/r/{token}</c>, does, reached with the link of a real notification mail: a known token
/// becomes a short-lived cookie and a redirect to the verification page, without the token; nothing else changes. The
/// portal logs at every level, so a line holding the token would be caught.
/// </summary>
public sealed partial class RecipientLinkLandingTests
{
    [Fact]
    public async Task The_link_redirects_to_verification_without_the_token_an_altered_or_malformed_one_is_not_valid_nothing_changes_no_mail_and_no_log_holds_the_token()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var logs = new LogCollector();
        var settings = Settings(new Dictionary<string, string?>(sink.PortalSettings())
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        });
        using var portal = Portal(settings, NewClock(), logs);
        using var sender = await SenderClientAsync(portal);
        var email = $"someone-{Guid.NewGuid():N}@example.org";
        var id = await SendAsync(sender, new { to = new[] { email }, subject = "Hello", body = "Hi" });
        var mail = await sink.WaitForMessageAsync(m => m.To.Mailboxes.Any(b => b.Address == email));
        var token = LinkPattern().Match(mail.TextBody!).Groups["token"].Value;
        Assert.Equal(43, token.Length);
        await WaitForStatusAsync(sender, id, email, "notified");
        // Changing a character in the middle changes the secret (the last one carries two unused bits).
        var altered = token[..20] + (token[20] == 'A' ? 'B' : 'A') + token[21..];
        using var browser = portal.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });
        // The key ring is made once, on the first protected value; it is no trace of the link.
        (await browser.GetAsync("/Account/Login")).EnsureSuccessStatusCode();
        var before = await SnapshotAsync(portal, id);
        var mails = sink.Messages.Count;

        using (var valid = await browser.GetAsync($"/r/{token}"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, valid.StatusCode);
            Assert.Equal("/verify", valid.Headers.Location?.OriginalString);
            Assert.Equal("no-referrer", Assert.Single(valid.Headers.GetValues("Referrer-Policy")));
            Assert.Equal("no-store", valid.Headers.CacheControl?.ToString());
            var cookie = Assert.Single(valid.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-ConnectidMail.Link=", StringComparison.Ordinal));
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(token, cookie, StringComparison.Ordinal);
        }

        // The verification page knows the address from the cookie, and offers a code without sending one.
        using (var verify = await browser.GetAsync("/verify"))
        {
            var page = await verify.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
            Assert.Contains(Organisation, page, StringComparison.Ordinal);
            Assert.Contains("Email me a code", page, StringComparison.Ordinal);
            Assert.Contains("s&#x2022;&#x2022;&#x2022;@example.org", page, StringComparison.Ordinal);
            Assert.DoesNotContain(token, page, StringComparison.Ordinal);
        }

        foreach (var path in new[] { $"/r/{altered}", "/r/short", $"/r/{token}x", $"/r/{token[..42]}!", $"/r/{token[..42]}=" })
        {
            using var invalid = await browser.GetAsync(path);
            var page = await invalid.Content.ReadAsStringAsync();
            Assert.True(invalid.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)invalid.StatusCode}");
            Assert.True(page.Contains("This link is not valid", StringComparison.Ordinal), $"{path}: {page}");
            Assert.DoesNotContain("A secure message waits for you", page, StringComparison.Ordinal);
            Assert.Equal("no-referrer", Assert.Single(invalid.Headers.GetValues("Referrer-Policy")));
        }

        Assert.Equal(before, await SnapshotAsync(portal, id));
        Assert.Equal(mails, sink.Messages.Count);
        Assert.Equal("notified", RecipientOf(await GetMessageAsync(sender, id), email).GetProperty("status").GetString());

        // The framework's own request logging was on (so a path in a log line would have been caught)...
        Assert.Contains(logs.Lines, line => line.Contains("Microsoft.AspNetCore.Routing", StringComparison.Ordinal));
        // ...and no line at any level holds the token, altered or not.
        Assert.DoesNotContain(logs.Lines, line => line.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(altered, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(token[..20], StringComparison.Ordinal));
    }

    /// <summary>Every table's row count plus the message's and its recipients' rows as they are stored.</summary>
    private static Task<string> SnapshotAsync(PortalFactory portal, Guid messageId) => portal.WithDbAsync(async db =>
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct())
        {
            // Table names come from the model, not from input.
            var sql = "SELECT COUNT(*) AS \"Value\" FROM \"" + table + "\"";
            counts[table] = await db.Database.SqlQueryRaw<int>(sql).SingleAsync();
        }

        var message = await db.Messages.AsNoTracking().Include(m => m.Recipients).Include(m => m.Attachments).SingleAsync(m => m.Id == messageId);
        var outbox = await db.OutboxMails.AsNoTracking().OrderBy(m => m.Id).ToListAsync();
        return JsonSerializer.Serialize(new { counts, message, outbox });
    });

    [GeneratedRegex(@"/r/(?<token>[A-Za-z0-9_-]{43})")]
    private static partial Regex LinkPattern();
}
