using System.Collections.Concurrent;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// Counts unknown or malformed link tokens per client IP in fixed windows; an address with too many misses gets no
/// more link look-ups until its window ends, so tokens cannot be guessed at speed.
/// </summary>
public sealed class LinkMissLimiter(TimeProvider clock)
{
    public const int MaxMisses = 20;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Counter> misses = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="clientIp"/> is still refused; null when it may look up a link now.</summary>
    public TimeSpan? BlockedFor(string clientIp)
    {
        var now = clock.GetUtcNow();
        return misses.TryGetValue(clientIp, out var counter) && counter.Ends > now && counter.Count >= MaxMisses ? counter.Ends - now : null;
    }

    public void RecordMiss(string clientIp)
    {
        var now = clock.GetUtcNow();
        misses.AddOrUpdate(clientIp, _ => new Counter(1, now + Window), (_, old) => old.Ends > now ? old with { Count = old.Count + 1 } : new Counter(1, now + Window));
        if (misses.Count > 10_000)
        {
            foreach (var (ip, counter) in misses)
            {
                if (counter.Ends <= now)
                {
                    misses.TryRemove(ip, out _);
                }
            }
        }
    }

    private sealed record Counter(int Count, DateTimeOffset Ends);
}
