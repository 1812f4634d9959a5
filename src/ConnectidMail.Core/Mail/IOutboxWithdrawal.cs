namespace ConnectidMail.Mail;

/// <summary>
/// Lets a feature withdraw one of its queued mails that must no longer go out (a notification of a message revoked or
/// expired since it was queued). The dispatcher asks just before every attempt, retries included, so a mail that was
/// already on its way when it became unwanted is withdrawn before it can go again. A withdrawn mail is given up
/// without an attempt and its content erased; delivery listeners are not told (it neither went out nor failed).
/// Register any number with <c>AddScoped&lt;IOutboxWithdrawal, T&gt;()</c>.
/// </summary>
public interface IOutboxWithdrawal
{
    /// <summary>Why the mail must not be sent any more, in a few words for the outbox row, or null to send it.</summary>
    Task<string?> ReasonToWithdrawAsync(string kind, Guid? correlationId, CancellationToken cancellationToken);
}
