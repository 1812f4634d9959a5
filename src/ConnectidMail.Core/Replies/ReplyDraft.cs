using ConnectidMail.Audit;
using ConnectidMail.Messaging;

namespace ConnectidMail.Replies;

/// <summary>
/// A reply being received into one thread. Its files go through the same intake as a message's
/// (<see cref="MessageDraft.AddFileAsync"/>: limits and checks), encrypted under the message's data key as they stream
/// in. Disposing a draft that was not sent deletes its blobs, so a refused or broken upload leaves nothing behind.
/// </summary>
public sealed class ReplyDraft : IAsyncDisposable
{
    private readonly MessageDraft files;

    internal ReplyDraft(MessageDraft files, Guid recipientId, Guid? sessionId, string? senderId, AuditActor? actor)
    {
        this.files = files;
        RecipientId = recipientId;
        SessionId = sessionId;
        SenderId = senderId;
        Actor = actor;
    }

    public Guid MessageId => files.MessageId;

    /// <summary>The thread: the recipient the conversation is with.</summary>
    public Guid RecipientId { get; }

    /// <summary>The recipient's session when the recipient writes; checked again before the reply is stored.</summary>
    internal Guid? SessionId { get; }

    /// <summary>The sender's user id when the sender answers.</summary>
    internal string? SenderId { get; }

    internal bool FromSender => SenderId is not null;

    /// <summary>Who writes, for the audit trail; null for the thread's recipient.</summary>
    internal AuditActor? Actor { get; }

    internal MessageDraft Files => files;

    /// <summary>Adds a file through the message file intake (the same limits and checks as a message's files).</summary>
    public Task AddFileAsync(string? fileName, Stream content, CancellationToken cancellationToken = default) =>
        files.AddFileAsync(fileName, content, cancellationToken);

    public ValueTask DisposeAsync() => files.DisposeAsync();
}

/// <summary>Why a reply cannot be written; nothing of it is stored.</summary>
public sealed class ReplyRefusedException(ReplyRefusal reason, string message) : Exception(message)
{
    public ReplyRefusal Reason { get; } = reason;
}

public enum ReplyRefusal
{
    /// <summary>No such message or thread, or not the caller's: answered like an unknown id.</summary>
    NotFound,
    Revoked,
    Expired,

    /// <summary>The message is behind an access code or a passkey the session has not given.</summary>
    Locked,
    SessionEnded,
}
