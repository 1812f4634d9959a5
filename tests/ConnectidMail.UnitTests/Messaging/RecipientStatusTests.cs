using ConnectidMail.Messaging;

namespace ConnectidMail.UnitTests.Messaging;

public sealed class RecipientStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_recipient_is_pending()
    {
        Assert.Equal(RecipientStatus.Pending, RecipientStatus.Of(Message(), Recipient(), Now));
    }

    [Fact]
    public void Each_later_step_wins_over_the_earlier_ones()
    {
        var message = Message();
        var recipient = Recipient();

        recipient.NotifiedAt = Now.AddMinutes(-50);
        Assert.Equal(RecipientStatus.Notified, RecipientStatus.Of(message, recipient, Now));
        recipient.DeliveryFailedAt = Now.AddMinutes(-45);
        Assert.Equal(RecipientStatus.DeliveryFailed, RecipientStatus.Of(message, recipient, Now));
        recipient.VerifiedAt = Now.AddMinutes(-40);
        Assert.Equal(RecipientStatus.Verified, RecipientStatus.Of(message, recipient, Now));
        recipient.FirstOpenedAt = Now.AddMinutes(-30);
        Assert.Equal(RecipientStatus.Opened, RecipientStatus.Of(message, recipient, Now));
        recipient.RepliedAt = Now.AddMinutes(-20);
        Assert.Equal(RecipientStatus.Replied, RecipientStatus.Of(message, recipient, Now));
    }

    [Fact]
    public void A_failed_delivery_without_a_notification_is_delivery_failed()
    {
        var recipient = Recipient();
        recipient.DeliveryFailedAt = Now.AddMinutes(-1);

        Assert.Equal(RecipientStatus.DeliveryFailed, RecipientStatus.Of(Message(), recipient, Now));
    }

    [Fact]
    public void A_revoked_message_is_revoked_for_every_recipient_even_when_replied_or_expired()
    {
        var message = Message();
        message.RevokedAt = Now.AddMinutes(-5);
        message.ExpiresAt = Now.AddMinutes(-1);
        message.ContentShreddedAt = Now.AddMinutes(-1);

        Assert.Equal(RecipientStatus.Revoked, RecipientStatus.Of(message, Replied(), Now));
        Assert.Equal(RecipientStatus.Revoked, RecipientStatus.Of(message, Recipient(), Now));
    }

    [Fact]
    public void An_expired_message_is_expired_from_its_expiry_on_even_before_shredding()
    {
        var message = Message();
        message.ExpiresAt = Now;

        Assert.Equal(RecipientStatus.Expired, RecipientStatus.Of(message, Replied(), Now));
        Assert.Equal(RecipientStatus.Replied, RecipientStatus.Of(message, Replied(), Now.AddTicks(-1)));
    }

    [Fact]
    public void A_shredded_message_is_expired()
    {
        var message = Message();
        message.ContentShreddedAt = Now.AddDays(-1);

        Assert.Equal(RecipientStatus.Expired, RecipientStatus.Of(message, Replied(), Now));
    }

    private static Message Message() => new() { Id = Guid.NewGuid(), SenderId = "s", CreatedAt = Now.AddHours(-1), ExpiresAt = Now.AddDays(1) };

    private static MessageRecipient Recipient() => new() { Email = "a@example.com", NormalizedEmail = "A@EXAMPLE.COM", LinkTokenHash = new byte[32] };

    private static MessageRecipient Replied()
    {
        var recipient = Recipient();
        recipient.NotifiedAt = recipient.VerifiedAt = recipient.FirstOpenedAt = recipient.RepliedAt = Now.AddMinutes(-10);
        return recipient;
    }
}
