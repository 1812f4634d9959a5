using System.Security.Cryptography;
using ConnectidMail.Crypto;
using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace ConnectidMail.Staff;

/// <summary>
/// Identity's store, with every user token (authenticator key, recovery codes, the last used code step) encrypted
/// at rest under a key derived from the master key and bound to its user and token name: a copy of the database
/// must not let anyone compute a staff member's second factor.
/// </summary>
public sealed class StaffUserStore(ConnectidDbContext context, IMasterKeyProvider masterKey, IdentityErrorDescriber? describer = null)
    : UserStore<StaffUser, IdentityRole, ConnectidDbContext>(context, describer)
{
    private const string Prefix = "enc1:";

    public override Task SetTokenAsync(StaffUser user, string loginProvider, string name, string? value, CancellationToken cancellationToken) =>
        base.SetTokenAsync(user, loginProvider, name, value is null ? null : Protect(user, loginProvider, name, value), cancellationToken);

    /// <summary>A value stored in plain form (not written by this store) counts as absent; a tampered one throws.</summary>
    public override async Task<string?> GetTokenAsync(StaffUser user, string loginProvider, string name, CancellationToken cancellationToken)
    {
        var stored = await base.GetTokenAsync(user, loginProvider, name, cancellationToken);
        return stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal)
            ? Unprotect(user, loginProvider, name, stored[Prefix.Length..])
            : null;
    }

    private string Protect(StaffUser user, string loginProvider, string name, string value)
    {
        var key = masterKey.DeriveKey(PurposeKeys.StaffTokens);
        try
        {
            var plaintext = System.Text.Encoding.UTF8.GetBytes(value);
            return Prefix + Convert.ToBase64String(ValueCipher.Encrypt(key, plaintext, EncryptionPurpose.StaffToken, OwnerId(user, loginProvider, name)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private string Unprotect(StaffUser user, string loginProvider, string name, string sealedValue)
    {
        var key = masterKey.DeriveKey(PurposeKeys.StaffTokens);
        try
        {
            var plaintext = ValueCipher.Decrypt(key, Convert.FromBase64String(sealedValue), EncryptionPurpose.StaffToken, OwnerId(user, loginProvider, name));
            return System.Text.Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static string OwnerId(StaffUser user, string loginProvider, string name) => $"{user.Id}|{loginProvider}|{name}";
}
