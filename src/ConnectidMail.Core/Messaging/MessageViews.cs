namespace ConnectidMail.Messaging;

/// <summary>A message as its sender sees it. Subject and body are null once expiry shredded the content.</summary>
public sealed record MessageView(
    Guid Id,
    string? Subject,
    string? Body,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    bool RequirePasskey,
    bool HasAccessCode,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? ContentShreddedAt,
    IReadOnlyList<RecipientView> Recipients,
    IReadOnlyList<AttachmentView> Attachments,
    IReadOnlyList<ReplyView> Replies);

public sealed record RecipientView(
    Guid Id,
    string Email,
    string Status,
    DateTimeOffset? NotifiedAt,
    DateTimeOffset? DeliveryFailedAt,
    DateTimeOffset? VerifiedAt,
    string? VerifiedBy,
    DateTimeOffset? FirstOpenedAt,
    DateTimeOffset? LastOpenedAt,
    int OpenCount,
    DateTimeOffset? RepliedAt,
    int DownloadCount,
    DateTimeOffset? LastDownloadedAt);

/// <param name="Size">The plaintext size in bytes.</param>
public sealed record AttachmentView(Guid Id, string? Name, long Size);

/// <summary>
/// An entry of the thread between the sender and one recipient (<paramref name="Recipient"/>): <paramref name="From"/> is
/// the address of whoever wrote it, <paramref name="Author"/> says which side (<see cref="ReplyAuthors"/>). Body and file
/// names are null once expiry shredded the content.
/// </summary>
public sealed record ReplyView(
    Guid Id, string From, DateTimeOffset CreatedAt, string? Body, IReadOnlyList<AttachmentView> Attachments, string Recipient, Guid RecipientId, string Author);

public static class ReplyAuthors
{
    public const string Recipient = "recipient";
    public const string Sender = "sender";
}

/// <summary>A line of the sender's list of sent messages.</summary>
public sealed record MessageSummary(
    Guid Id,
    string? Subject,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt,
    IReadOnlyList<RecipientSummary> Recipients,
    int AttachmentCount);

public sealed record RecipientSummary(string Email, string Status);

public sealed record MessagePage(IReadOnlyList<MessageSummary> Items, int Page, int PageSize, int Total);

/// <summary>An attachment opened for download: a seekable plaintext stream (ranges decrypt only what they touch).</summary>
public sealed record AttachmentContent(string Name, long Size, Stream Content);
