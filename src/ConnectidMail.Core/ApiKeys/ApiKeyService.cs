using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.ApiKeys;

/// <summary>
/// Issues API keys (shown once), lists and revokes them, and resolves a presented key to the identity it may act
/// as. Creating and revoking are recorded in the staff change log within their own transaction.
/// </summary>
public sealed class ApiKeyService(ConnectidDbContext db, UserManager<StaffUser> users, StaffChangeLog changes, TimeProvider clock)
{
    public const int MaxNameLength = 100;
    public const string KeyPrefix = "cmk_";
    private const int SecretBytes = 32;
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<ApiKeyCreation> CreateAsync(StaffActor actor, string userId, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        if (await users.RefusalAsync(actor) is { } refusal)
        {
            return ApiKeyCreation.Fail(refusal);
        }

        name = name.Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            return ApiKeyCreation.Fail($"Give the key a name of 1 to {MaxNameLength} characters.");
        }

        if (expiresAt is { } expiry && expiry <= clock.GetUtcNow())
        {
            return ApiKeyCreation.Fail("The expiry lies in the past.");
        }

        return await changes.InTransactionAsync(
            async () =>
            {
                var user = await users.FindByIdAsync(userId);
                if (user is null)
                {
                    return ApiKeyCreation.Fail("No such staff user.");
                }

                if (user.DisabledAt is not null)
                {
                    return ApiKeyCreation.Fail($"{user.Email} is disabled; enable the user before giving them a key.");
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
                    User = user,
                    Name = name,
                    DisplayPrefix = key[..(KeyPrefix.Length + 6)],
                    KeyHash = Hash(key),
                    CreatedAt = clock.GetUtcNow(),
                    ExpiresAt = expiresAt?.ToUniversalTime(),
                };
                db.ApiKeys.Add(record);
                changes.Add(actor, AuditActions.ApiKeyCreated, record.Id.ToString(), Describe(record, user),
                    new { userId = user.Id, name, prefix = record.DisplayPrefix, expiresAt = record.ExpiresAt });
                await db.SaveChangesAsync(cancellationToken);
                return new ApiKeyCreation(record, key, null);
            },
            creation => creation.Succeeded,
            cancellationToken);
    }

    /// <summary>Every key, newest first, with its user and whether it still works.</summary>
    public async Task<IReadOnlyList<ApiKeySummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var keys = await db.ApiKeys.Include(k => k.User).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return keys
            .OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeySummary(
                k.Id, k.UserId, k.User?.Email ?? "", k.Name, k.DisplayPrefix, k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt,
                k.RevokedAt is not null ? ApiKeyState.Revoked
                : k.ExpiresAt <= now ? ApiKeyState.Expired
                : k.User?.DisabledAt is not null ? ApiKeyState.UserDisabled
                : ApiKeyState.Active))
            .ToList();
    }

    /// <summary>The ids of the keys whose displayed prefix (as in lists, e.g. <c>cmk_Ab3dE9</c>) is exactly this.</summary>
    public async Task<IReadOnlyList<Guid>> FindByPrefixAsync(string displayPrefix, CancellationToken cancellationToken = default)
    {
        var prefix = displayPrefix.Trim();
        return await db.ApiKeys.Where(k => k.DisplayPrefix == prefix).Select(k => k.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Revokes a key for good; it is refused from the next request on.</summary>
    public Task<ApiKeyRevocation> RevokeAsync(StaffActor actor, Guid keyId, CancellationToken cancellationToken = default) =>
        changes.InTransactionAsync(
            async () =>
            {
                if (await users.RefusalAsync(actor) is { } refusal)
                {
                    return ApiKeyRevocation.Fail(refusal);
                }

                var record = await db.ApiKeys.Include(k => k.User).SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
                if (record is null)
                {
                    return ApiKeyRevocation.Fail("No such API key.");
                }

                if (record.RevokedAt is not null)
                {
                    return new ApiKeyRevocation(record, null, Changed: false);
                }

                record.RevokedAt = clock.GetUtcNow();
                changes.Add(actor, AuditActions.ApiKeyRevoked, record.Id.ToString(), Describe(record, record.User));
                await db.SaveChangesAsync(cancellationToken);
                return new ApiKeyRevocation(record, null, Changed: true);
            },
            revocation => revocation.Succeeded,
            cancellationToken);

    /// <summary>The user and the roles a presented key may act with, or null when the key is unknown, revoked, expired or its user disabled or locked out.</summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken = default)
    {
        if (!presentedKey.StartsWith(KeyPrefix, StringComparison.Ordinal) || presentedKey.Length > 128)
        {
            return null;
        }

        var hash = Hash(presentedKey);
        var record = await db.ApiKeys.Include(k => k.User).SingleOrDefaultAsync(k => k.KeyHash == hash, cancellationToken);
        var now = clock.GetUtcNow();
        if (record?.User is not { } user || record.RevokedAt is not null || record.ExpiresAt <= now || user.DisabledAt is not null)
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

    /// <summary>How the change log names a key: never the key itself, only the prefix lists show.</summary>
    private static string Describe(ApiKey key, StaffUser? user) => $"'{key.Name}' ({key.DisplayPrefix}) of {user?.Email}";
}

public sealed record ApiKeyCreation(ApiKey? Record, string? Key, string? Error)
{
    public bool Succeeded => Error is null;

    public static ApiKeyCreation Fail(string error) => new(null, null, error);
}

public sealed record ApiKeyRevocation(ApiKey? Record, string? Error, bool Changed)
{
    public bool Succeeded => Error is null;

    public static ApiKeyRevocation Fail(string error) => new(null, error, Changed: false);
}

public enum ApiKeyState
{
    Active,
    Expired,
    Revoked,
    UserDisabled,
}

public sealed record ApiKeySummary(
    Guid Id,
    string UserId,
    string UserEmail,
    string Name,
    string DisplayPrefix,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    ApiKeyState State);

public sealed record ApiKeyIdentity(Guid KeyId, string UserId, string Email, IReadOnlyList<string> Roles);
