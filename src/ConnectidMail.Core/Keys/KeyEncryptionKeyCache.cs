using System.Collections.Concurrent;
using ConnectidMail.Crypto;

namespace ConnectidMail.Keys;

/// <summary>Unwrapped KEKs by version, so a download does not pay for a master-key derivation each time.</summary>
public sealed class KeyEncryptionKeyCache : IDisposable
{
    private readonly ConcurrentDictionary<int, KeyEncryptionKey> keys = new();

    public KeyEncryptionKey GetOrAdd(int version, Func<int, KeyEncryptionKey> unwrap) => keys.GetOrAdd(version, unwrap);

    public void Forget(int version)
    {
        if (keys.TryRemove(version, out var key))
        {
            key.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var key in keys.Values)
        {
            key.Dispose();
        }

        keys.Clear();
    }
}
