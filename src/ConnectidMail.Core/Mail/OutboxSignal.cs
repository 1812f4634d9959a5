using System.Threading.Channels;

namespace ConnectidMail.Mail;

/// <summary>
/// Wakes the dispatcher of this process when mail was queued, so it leaves within moments instead of at the next poll.
/// Wake-ups while the dispatcher is busy collapse into one further pass.
/// </summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Called after a commit that saved outbox mails (the SaveChanges interceptor does this).</summary>
    public void Wake() => wakeUps.Writer.TryWrite(true);

    /// <summary>Returns at the next wake-up or at <paramref name="wakeAt"/>, whichever comes first.</summary>
    /// <remarks>
    /// The wait is measured from now, not from when the caller chose the time, so a clock that moved on meanwhile (a
    /// slow pass, or a test advancing its fake clock) shortens the wait instead of pushing the pass back.
    /// </remarks>
    internal async Task WaitAsync(DateTimeOffset wakeAt, TimeProvider clock, CancellationToken cancellationToken)
    {
        var timeout = wakeAt - clock.GetUtcNow();
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new CancellationTokenSource(timeout, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await wakeUps.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The time came without a wake-up.
        }
    }
}
