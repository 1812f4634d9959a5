namespace ConnectidMail.Messaging;

/// <summary>
/// Tells open sender pages in this process that something happened to a message's recipients (verified, opened,
/// downloaded, replied), so a read receipt shows within moments. It carries the message id only, never content; pages
/// read what changed themselves, through the sender's own checks. Other instances' changes reach them by polling.
/// </summary>
public sealed class MessageActivity
{
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, List<Action>> listeners = [];

    /// <summary>Calls <paramref name="onActivity"/> (on the changing request's thread: hand work off) after each change to the message; dispose to stop.</summary>
    public IDisposable Subscribe(Guid messageId, Action onActivity)
    {
        lock (gate)
        {
            (listeners.TryGetValue(messageId, out var list) ? list : listeners[messageId] = []).Add(onActivity);
        }

        return new Subscription(() =>
        {
            lock (gate)
            {
                if (listeners.TryGetValue(messageId, out var list) && list.Remove(onActivity) && list.Count == 0)
                {
                    listeners.Remove(messageId);
                }
            }
        });
    }

    /// <summary>Called after the change is committed, so a listener that reads at once sees it.</summary>
    public void Changed(Guid messageId)
    {
        Action[] current;
        lock (gate)
        {
            current = listeners.TryGetValue(messageId, out var list) ? [.. list] : [];
        }

        foreach (var listener in current)
        {
            listener();
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref dispose, null)?.Invoke();
    }
}
