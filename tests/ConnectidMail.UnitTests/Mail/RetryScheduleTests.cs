using ConnectidMail.Mail;

namespace ConnectidMail.UnitTests.Mail;

public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset Queued = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 20)]
    [InlineData(2, 40)]
    [InlineData(3, 80)]
    [InlineData(4, 160)]
    [InlineData(5, 320)]
    [InlineData(6, 640)]
    [InlineData(7, 1280)]
    [InlineData(8, 2560)]
    [InlineData(9, 3600)]
    [InlineData(10, 3600)]
    [InlineData(int.MaxValue, 3600)]
    public void The_wait_starts_at_20_seconds_and_doubles_up_to_an_hour(int failedAttempts, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetrySchedule.DelayAfter(failedAttempts));

    [Fact]
    public void The_first_retry_comes_within_30_seconds_of_the_failure()
    {
        var failedAt = Queued.AddSeconds(3);

        Assert.Equal(failedAt.AddSeconds(20), RetrySchedule.NextAttemptAt(Queued, failedAt, failedAttempts: 1));
    }

    [Fact]
    public void A_failure_before_24_hours_is_retried_and_one_at_24_hours_gives_up()
    {
        var justBefore = Queued.AddHours(24).AddTicks(-1);

        Assert.Equal(justBefore.AddHours(1), RetrySchedule.NextAttemptAt(Queued, justBefore, failedAttempts: 30));
        Assert.Null(RetrySchedule.NextAttemptAt(Queued, Queued.AddHours(24), failedAttempts: 30));
    }

    [Fact]
    public void A_server_that_stays_down_is_tried_32_times_over_24_hours_and_25_minutes()
    {
        var attempts = new List<DateTimeOffset> { Queued };
        while (RetrySchedule.NextAttemptAt(Queued, attempts[^1], attempts.Count) is { } next)
        {
            attempts.Add(next);
        }

        Assert.Equal(32, attempts.Count);
        Assert.Equal(Queued.AddSeconds(5100).AddHours(23), attempts[^1]);
        Assert.Equal(
            [20, 40, 80, 160, 320, 640, 1280, 2560, .. Enumerable.Repeat(3600, 23)],
            attempts.Zip(attempts.Skip(1), (earlier, later) => (int)(later - earlier).TotalSeconds));
    }

    [Fact]
    public void Attempts_are_counted_from_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedule.DelayAfter(0));
}
