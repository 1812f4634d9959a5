namespace ConnectidMail.Mail;

/// <summary>
/// When a mail that could not be handed over is tried again. DESIGN.md promises the first retry within 30 seconds, then a
/// wait that doubles up to an hour, for at least 24 hours.
/// </summary>
public static class RetrySchedule
{
    /// <summary>Under the promised 30 seconds with room for the dispatcher's own latency.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(20);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    /// <summary>A mail is given up only at a failure at least this long after it was queued.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failed attempt (1 for the first).</summary>
    public static TimeSpan DelayAfter(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        // 20 s doubled 8 times passes an hour; stop doubling there so large counts cannot overflow.
        var doublings = Math.Min(failedAttempts - 1, 8);
        var delay = FirstRetryDelay * (1 << doublings);
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    /// <summary>When to try again after a failure at <paramref name="failedAt"/>; null when the mail is to be given up.</summary>
    public static DateTimeOffset? NextAttemptAt(DateTimeOffset createdAt, DateTimeOffset failedAt, int failedAttempts) =>
        failedAt - createdAt >= GiveUpAfter ? null : failedAt + DelayAfter(failedAttempts);
}
