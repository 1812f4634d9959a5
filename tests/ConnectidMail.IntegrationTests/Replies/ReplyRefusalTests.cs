using System.Net;
using ConnectidMail.IntegrationTests.Messaging;
using ConnectidMail.IntegrationTests.Recipient;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;
using static ConnectidMail.IntegrationTests.Messaging.MessagingTestSupport;
using static ConnectidMail.IntegrationTests.Replies.ReplyTestSupport;

namespace ConnectidMail.IntegrationTests.Replies;

/// <summary>
/// Every refused reply is answered with problem details and stores nothing: no reply row, no file row, no blob, no
/// temporary file under <c>.incoming</c>, no outbox mail, no link.
/// </summary>
public sealed class ReplyRefusalTests
{
    private const int MaxFiles = 2;
    private const int MaxFileBytes = 100_000;
    private const int MaxReplyBytes = 150_000;

    [Fact]
    public async Task Replies_over_the_size_and_count_limits_empty_or_without_antiforgery_are_refused_and_store_nothing()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        using var portal = LimitedPortal(sink, NewClock());
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, ReplyTests.NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Limits", body = "Mind the limits" });
        await recipient.VerifyAndConsentAsync();

        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, id, "Too big", null, ("small.txt", SampleFiles.For("x.txt", 10)), ("big.pdf", SampleFiles.For("x.pdf", MaxFileBytes + 1))),
            HttpStatusCode.RequestEntityTooLarge, "files");
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, id, "Too many", null, ("1.txt", SampleFiles.For("x.txt", 1)), ("2.txt", SampleFiles.For("x.txt", 1)), ("3.txt", SampleFiles.For("x.txt", 1))),
            HttpStatusCode.RequestEntityTooLarge, "files");
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, id, "Too much together", null, ("1.pdf", SampleFiles.For("x.pdf", 80_000)), ("2.pdf", SampleFiles.For("x.pdf", MaxReplyBytes - 80_000 + 1))),
            HttpStatusCode.RequestEntityTooLarge, "files");
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, id, "   "), HttpStatusCode.BadRequest, "body");
        await AssertRefusedAsync(portal, () => recipient.Http.PostAsync($"/m/{id}/replies", Form("No token", ("a.txt", SampleFiles.For("x.txt", 5)))), HttpStatusCode.BadRequest, field: null);

        // At the limits the reply is accepted: the refusals above were about the limits.
        using var accepted = await ReplyAsync(recipient, id, "Just fits", null, ("1.pdf", SampleFiles.For("x.pdf", MaxFileBytes)), ("2.pdf", SampleFiles.For("x.pdf", MaxReplyBytes - MaxFileBytes)));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task Replies_to_a_revoked_an_expired_or_another_addresss_message_are_refused_and_store_nothing()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var clock = NewClock();
        using var portal = LimitedPortal(sink, clock);
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, ReplyTests.NewAddress());
        var revoked = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Revoked", body = "Withdrawn" });
        var expired = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Expired", body = "Gone" });
        var someoneElses = await SendAsync(sender, new { to = new[] { ReplyTests.NewAddress() }, subject = "Not yours", body = "Private" });
        await recipient.VerifyAndConsentAsync();
        var tokenPage = "/inbox";

        using (var revoke = await sender.PostAsync($"/api/v1/messages/{revoked}/revoke", null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        await portal.WithDbAsync(db => db.Messages.Where(m => m.Id == expired)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ExpiresAt, clock.GetUtcNow().AddSeconds(-1))));

        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, revoked, "Too late", tokenPage, ("a.pdf", SampleFiles.For("a.pdf", 70_000))), HttpStatusCode.Gone, field: null);
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, expired, "Too late", tokenPage, ("a.pdf", SampleFiles.For("a.pdf", 70_000))), HttpStatusCode.Gone, field: null);
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, someoneElses, "Not mine", tokenPage, ("a.pdf", SampleFiles.For("a.pdf", 70_000))), HttpStatusCode.NotFound, field: null);
        await AssertRefusedAsync(portal, () => ReplyAsync(recipient, Guid.NewGuid(), "Unknown", tokenPage), HttpStatusCode.NotFound, field: null);
        Assert.Equal(0, await portal.WithDbAsync(db => db.MessageRecipients.CountAsync(r => r.RepliedAt != null)));
    }

    [Fact]
    public async Task A_reply_after_the_session_ended_is_refused_and_stores_nothing()
    {
        await using var sink = await SmtpSink.StartOnFreePortAsync();
        var clock = NewClock();
        using var portal = LimitedPortal(sink, clock);
        using var sender = await SenderClientAsync(portal);
        using var recipient = new RecipientClient(portal, sink, ReplyTests.NewAddress());
        var id = await SendAsync(sender, new { to = new[] { recipient.Email }, subject = "Idle", body = "Left open" });
        await recipient.VerifyAndConsentAsync();
        var page = await recipient.GetAsync($"/m/{id}");
        var token = page.Field("__RequestVerificationToken")!;

        // Past the idle limit (30 minutes) the session is over, whatever the browser still holds.
        clock.Advance(TimeSpan.FromMinutes(31));

        await AssertRefusedAsync(
            portal,
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"/m/{id}/replies") { Content = Form("After the end", ("late.pdf", SampleFiles.For("x.pdf", 70_000))) };
                request.Headers.Add("RequestVerificationToken", token);
                return recipient.Http.SendAsync(request);
            },
            HttpStatusCode.Unauthorized,
            field: null);
    }

    private static PortalFactory LimitedPortal(SmtpSink sink, TimeProvider clock) => Portal(
        Settings(new Dictionary<string, string?>(sink.PortalSettings())
        {
            ["Policy:MaxFiles"] = $"{MaxFiles}",
            ["Policy:MaxFileBytes"] = $"{MaxFileBytes}",
            ["Policy:MaxMessageBytes"] = $"{MaxReplyBytes}",
        }),
        clock);

    private static async Task AssertRefusedAsync(PortalFactory portal, Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string? field)
    {
        var before = await MessagingApi.StoredAsync(portal);

        using var response = await send();

        var problem = await MessagingApi.ReadProblemAsync(response, status);
        if (field is not null)
        {
            MessagingApi.AssertFieldError(problem, field);
        }

        Assert.Equal(before, await MessagingApi.StoredAsync(portal));
        Assert.DoesNotContain(".incoming/", before.BlobFiles, StringComparison.Ordinal);
    }
}
