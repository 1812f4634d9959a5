using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.ApiKeys;

/// <summary>Issues API keys (shown once) and resolves a presented key to the identity it may act as.</summary>
public sealed class ApiKeyService(ConnectidDbContext db, UserManager<StaffUser> users, TimeProvider clock)
{
    public const int MaxNameLength = 100;
    public const string KeyPrefix = "cmk_";
    private const int SecretBytes = 32;
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<ApiKeyCreation> CreateAsync(string email, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            return ApiKeyCreation.Fail($"Give the key a name of 1 to {MaxNameLength} characters.");
        }

        if (expiresAt is { } expiry && expiry <= clock.GetUtcNow())
        {
            return ApiKeyCreation.Fail("The expiry lies in the past.");
        }

        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            return ApiKeyCreation.Fail($"No staff user has the address {email.Trim()}.");
        }

        var roles = await users.GetRolesAsync(user);
        if (!roles.Any(StaffRoles.ApiKeyRoles.Contains))
        {
            return ApiKeyCreation.Fail(
                $"{user.Email} has no role an API key can use ({string.Join(" or ", StaffRoles.ApiKeyRoles)}); keys never carry admin rights.");
        }

        var key = KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var record = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            UserId = user.Id,
            Name = name,
            DisplayPrefix = key[..(KeyPrefix.Length + 6)],
            KeyHash = Hash(key),
            CreatedAt = clock.GetUtcNow(),
            ExpiresAt = expiresAt?.ToUniversalTime(),
        };
        db.ApiKeys.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return new ApiKeyCreation(record, key, null);
    }

    /// <summary>The user and the roles a presented key may act with, or null when the key is unknown, revoked, expired or its user locked out.</summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken = default)
    {
        if (!presentedKey.StartsWith(KeyPrefix, StringComparison.Ordinal) || presentedKey.Length > 128)
        {
            return null;
        }

        var hash = Hash(presentedKey);
        var record = await db.ApiKeys.Include(k => k.User).SingleOrDefaultAsync(k => k.KeyHash == hash, cancellationToken);
        var now = clock.GetUtcNow();
        if (record?.User is not { } user || record.RevokedAt is not null || record.ExpiresAt <= now)
        {
            return null;
        }

        if (await users.IsLockedOutAsync(user))
        {
            return null;
        }

        if (record.LastUsedAt is null || now - record.LastUsedAt >= LastUseResolution)
        {
            record.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        var roles = (await users.GetRolesAsync(user)).Where(StaffRoles.ApiKeyRoles.Contains).ToList();
        return new ApiKeyIdentity(record.Id, user.Id, user.Email ?? "", roles);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

public sealed record ApiKeyCreation(ApiKey? Record, string? Key, string? Error)
{
    public bool Succeeded => Error is null;

    public static ApiKeyCreation Fail(string error) => new(null, null, error);
}

public sealed record ApiKeyIdentity(Guid KeyId, string UserId, string Email, IReadOnlyList<string> Roles);
