namespace ConnectidMail.Crypto;

/// <summary>The master key is missing, malformed or unsafely stored. The message says what to fix and never holds key material.</summary>
public sealed class MasterKeyException : InvalidOperationException
{
    public MasterKeyException(string message)
        : base(message)
    {
    }

    public MasterKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MasterKeyException()
    {
    }
}
