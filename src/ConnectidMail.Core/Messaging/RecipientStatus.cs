namespace ConnectidMail.Messaging;

/// <summary>The status values of a recipient as the API names them.</summary>
public static class RecipientStatus
{
    public const string Pending = "pending";
    public const string Notified = "notified";
    public const string DeliveryFailed = "deliveryFailed";
    public const string Verified = "verified";
    public const string Opened = "opened";
    public const string Replied = "replied";
    public const string Revoked = "revoked";
    public const string Expired = "expired";

    /// <summary>The furthest thing that happened, with the message's own end (revoked, expired) first.</summary>
    public static string Of(Message message, MessageRecipient recipient, DateTimeOffset now) =>
        message.RevokedAt is not null ? Revoked
        : message.ContentShreddedAt is not null || message.ExpiresAt <= now ? Expired
        : recipient.RepliedAt is not null ? Replied
        : recipient.FirstOpenedAt is not null ? Opened
        : recipient.VerifiedAt is not null ? Verified
        : recipient.DeliveryFailedAt is not null ? DeliveryFailed
        : recipient.NotifiedAt is not null ? Notified
        : Pending;
}
