namespace ConnectidMail.Crypto;

/// <summary>
/// The root of the key hierarchy. Callers only ever get keys derived for one purpose, never the master key itself,
/// so an implementation backed by a KMS or HSM can keep the master key inside the device.
/// </summary>
public interface IMasterKeyProvider
{
    /// <summary>
    /// Derives the 256-bit key for one purpose (HKDF-SHA256 with the label as info; see <see cref="PurposeKeys"/>).
    /// The same label always gives the same key; the caller should zero the array when done with it.
    /// </summary>
    byte[] DeriveKey(string label);
}
