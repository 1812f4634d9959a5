using System.Security.Claims;
using ConnectidMail.Messaging;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using ConnectidMail.Verification;
using ConnectidMail.Web.Messaging;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ConnectidMail.ComponentTests;

/// <summary>
/// The live read receipts of the sender's message page, interactive, with a running portal's real services: a
/// recorded change redraws them at once (the portal's signal); a change the signal never saw (another instance) shows
/// at the next poll; another message's signal changes nothing.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class LiveReceiptsTests(PortalFixture fixture) : BunitContext
{
    /// <summary>Stands still unless moved, so only the signal can redraw the receipts until the test moves it.</summary>
    private readonly FakeTimeProvider clock = new();

    [Fact]
    public async Task A_verification_in_this_portal_redraws_the_receipts_at_once_and_one_elsewhere_at_the_next_poll()
    {
        await using var scope = fixture.CreateScope();
        var (messageId, recipientId) = await SendAsync(scope, "live@example.com");
        var (_, otherRecipientId) = await SendAsync(scope, "other@example.com");
        var cut = RenderReceipts(scope, messageId);
        Assert.Equal("live", cut.Find("section").GetAttribute("data-live-receipts"));
        Assert.Matches("^(Notification waiting to be sent|Notified)$", cut.Find(".status-word").TextContent);

        // Another message's news is not this page's.
        await UseAsync(scope, messages => messages.MarkVerifiedAsync(otherRecipientId, DateTimeOffset.UtcNow, VerificationMethods.Code));
        Assert.Matches("^(Notification waiting to be sent|Notified)$", cut.Find(".status-word").TextContent);

        await UseAsync(scope, messages => messages.MarkVerifiedAsync(recipientId, DateTimeOffset.UtcNow, VerificationMethods.Code));
        cut.WaitForAssertion(() => Assert.Equal("Verified, not opened yet", cut.Find(".status-word").TextContent), TimeSpan.FromSeconds(5));
        Assert.Equal("live@example.com: Verified, not opened yet.", cut.Find("#receipts-announcement").TextContent);

        // A change written without the signal, as by another instance of the portal: shown once the poll comes round.
        await using (var elsewhere = scope.ServiceProvider.CreateAsyncScope())
        {
            await elsewhere.ServiceProvider.GetRequiredService<ConnectidDbContext>().MessageRecipients.Where(r => r.Id == recipientId)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.FirstOpenedAt, DateTimeOffset.UtcNow).SetProperty(r => r.OpenCount, 1));
        }

        Assert.Equal("Verified, not opened yet", cut.Find(".status-word").TextContent);
        clock.Advance(LiveReceipts.PollInterval);
        cut.WaitForAssertion(() => Assert.Equal("Opened", cut.Find(".status-word").TextContent), TimeSpan.FromSeconds(5));
        Assert.Single(cut.FindAll("table.recipients tbody tr"));
    }

    [Fact]
    public async Task Rendered_statically_the_receipts_neither_listen_nor_poll()
    {
        await using var scope = fixture.CreateScope();
        var (messageId, recipientId) = await SendAsync(scope, "static@example.com");
        var cut = RenderReceipts(scope, messageId, interactive: false);
        Assert.Equal("static", cut.Find("section").GetAttribute("data-live-receipts"));
        var before = cut.Find(".status-word").TextContent;

        await UseAsync(scope, messages => messages.MarkVerifiedAsync(recipientId, DateTimeOffset.UtcNow, VerificationMethods.Code));
        clock.Advance(LiveReceipts.PollInterval * 2);
        await Task.Delay(200);

        Assert.Equal(before, cut.Find(".status-word").TextContent);
        Assert.Equal(1, cut.RenderCount);
    }

    private IRenderedComponent<LiveReceipts> RenderReceipts(AsyncServiceScope scope, Guid messageId, bool interactive = true)
    {
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<MessageService>());
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<MessageActivity>());
        Services.AddSingleton<TimeProvider>(clock);
        var userId = UserId(scope);
        AddAuthorization().SetAuthorized(PortalFixture.Sender.Email).SetRoles(StaffRoles.Sender).SetClaims(new Claim(ClaimTypes.NameIdentifier, userId));
        SetRendererInfo(new RendererInfo(interactive ? "Server" : "Static", isInteractive: interactive));
        return Render<LiveReceipts>(parameters => parameters.Add(p => p.MessageId, messageId));
    }

    private static async Task UseAsync(AsyncServiceScope scope, Func<RecipientMessages, Task> use)
    {
        await using var fresh = scope.ServiceProvider.CreateAsyncScope();
        await use(fresh.ServiceProvider.GetRequiredService<RecipientMessages>());
    }

    private static async Task<(Guid MessageId, Guid RecipientId)> SendAsync(AsyncServiceScope scope, string to)
    {
        await using var fresh = scope.ServiceProvider.CreateAsyncScope();
        var messages = fresh.ServiceProvider.GetRequiredService<MessageService>();
        await using var draft = await messages.BeginAsync();
        var sent = await messages.SendAsync(draft, new MessageRequest([to], "Receipts", "Body"), new SenderIdentity(UserId(fresh), PortalFixture.Sender.Email));
        return (sent.Id, sent.Recipients.Single().Id);
    }

    private static string UserId(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().Users.Where(u => u.Email == PortalFixture.Sender.Email).Select(u => u.Id).Single();
}
