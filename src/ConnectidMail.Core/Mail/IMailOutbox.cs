namespace ConnectidMail.Mail;

/// <summary>The transactional outbox every mail of the portal goes through.</summary>
public interface IMailOutbox
{
    /// <summary>
    /// Adds the mail to the scoped <c>ConnectidDbContext</c> without saving it: the caller's <c>SaveChanges</c> saves it
    /// in the caller's transaction, so a rolled-back action sends nothing. Once that commits the dispatcher is woken and
    /// hands the mail over within moments. Throws <see cref="ArgumentException"/> for a malformed recipient or subject.
    /// </summary>
    OutboxMail Enqueue(OutgoingMail mail);
}
