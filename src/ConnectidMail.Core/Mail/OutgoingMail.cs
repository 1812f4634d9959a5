namespace ConnectidMail.Mail;

/// <summary>
/// A mail to queue in the outbox. The content may hold live links and codes: the outbox stores it encrypted and erases
/// it once the mail was handed over or given up.
/// </summary>
/// <param name="To">One mail address, optionally with a display name.</param>
/// <param name="Kind">What the mail is for (for instance "notification" or "code"); at most 64 characters.</param>
/// <param name="CorrelationId">What the mail belongs to (for instance a message recipient), reported back to listeners.</param>
/// <param name="FromName">The sender's display name (the organisation's); the address stays <c>Mail:From</c>'s.</param>
public sealed record OutgoingMail(string To, string Subject, string TextBody, string HtmlBody, string Kind, Guid? CorrelationId = null, string? FromName = null);
