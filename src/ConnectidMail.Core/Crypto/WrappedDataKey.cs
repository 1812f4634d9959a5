namespace ConnectidMail.Crypto;

/// <summary>A data key encrypted under the KEK of <paramref name="KekVersion"/>; what the database stores per message.</summary>
/// <param name="KekVersion">Which KEK unwraps it; rotation re-wraps under a newer one.</param>
/// <param name="Ciphertext">The <see cref="ValueCipher"/> format, bound to the message id and the KEK version.</param>
public sealed record WrappedDataKey(int KekVersion, byte[] Ciphertext);
