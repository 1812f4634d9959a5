namespace ConnectidMail.Crypto;

/// <summary>
/// What a small ciphertext is, bound into its associated data so that, for instance, an encrypted subject cannot be
/// served as a body or a file name. The numbers are part of the stored format: never renumber or reuse one.
/// </summary>
public enum EncryptionPurpose : ushort
{
    Subject = 1,
    Body = 2,
    FileName = 3,
    Reply = 4,
    DataKey = 5,
    KeyEncryptionKey = 6,
    VerificationCode = 7,
    AccessCode = 8,
    DataProtectionKeyRing = 9,
    OutboxMail = 10,
    StaffToken = 11,
}
