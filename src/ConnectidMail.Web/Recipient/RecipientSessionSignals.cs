using System.Collections.Concurrent;

namespace ConnectidMail.Web.Recipient;

/// <summary>
/// Tells the open circuits of an address, in this process, that sessions of that address ended (sign-out, consent
/// withdrawn), so open pages stop showing content at once instead of at the next revalidation.
/// </summary>
public sealed class RecipientSessionSignals
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Action>> listeners = new(StringComparer.Ordinal);

    /// <summary>Calls <paramref name="onEnded"/> whenever sessions of <paramref name="email"/> end; dispose to stop.</summary>
    public IDisposable Subscribe(string email, Action onEnded)
    {
        var key = Normalize(email);
        var id = Guid.NewGuid();
        listeners.GetOrAdd(key, _ => new()).TryAdd(id, onEnded);
        return new Subscription(() =>
        {
            if (listeners.TryGetValue(key, out var set))
            {
                set.TryRemove(id, out _);
            }
        });
    }

    /// <summary>
    /// Signals once the response is complete: a page that ends sessions while it renders must not switch its own request's
    /// authentication state (and so its own answer) mid-render.
    /// </summary>
    public void SessionsEndedAfter(HttpContext http, string email) => http.Response.OnCompleted(() =>
    {
        SessionsEnded(email);
        return Task.CompletedTask;
    });

    public void SessionsEnded(string email)
    {
        if (listeners.TryGetValue(Normalize(email), out var set))
        {
            foreach (var listener in set.Values)
            {
                listener();
            }
        }
    }

    private static string Normalize(string email) => email.Trim().ToUpperInvariant();

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref dispose, null)?.Invoke();
    }
}
