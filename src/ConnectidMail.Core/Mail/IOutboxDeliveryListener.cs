namespace ConnectidMail.Mail;

/// <summary>
/// Lets a feature react when one of its mails was handed over or given up (for instance to mark a recipient "notified"
/// or "deliveryFailed"). Register any number with <c>AddScoped&lt;IOutboxDeliveryListener, T&gt;()</c>; none are
/// registered by default.
/// </summary>
/// <remarks>
/// Listeners run in the transaction that records the outcome on the outbox row: changes made through the scoped
/// <c>ConnectidDbContext</c> are saved together with it, so do not call <c>SaveChanges</c>. When a listener throws, its
/// changes are dropped, the error is logged and the outcome is recorded all the same (a mail is never sent twice because
/// a listener failed).
/// </remarks>
public interface IOutboxDeliveryListener
{
    /// <summary>The SMTP server accepted the mail (or it was written to the pickup folder).</summary>
    Task MailSentAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken);

    /// <summary>The mail was given up: refused for good by the server, or failing for at least 24 hours.</summary>
    Task MailFailedAsync(OutboxDeliveryOutcome outcome, CancellationToken cancellationToken);
}

/// <param name="At">When the mail was sent or given up.</param>
/// <param name="Attempts">Attempts made, including this last one.</param>
/// <param name="Error">For a failure, the short description also stored on the row; null when sent.</param>
public sealed record OutboxDeliveryOutcome(Guid OutboxMailId, string Kind, Guid? CorrelationId, DateTimeOffset At, int Attempts, string? Error);
