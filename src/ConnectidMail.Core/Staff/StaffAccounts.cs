using System.Net.Mail;
using ConnectidMail.Audit;
using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Staff;

/// <summary>
/// Creates and administers staff accounts: one rule set for the CLI and the admin pages. Every change is recorded
/// in the staff change log within its own transaction.
/// </summary>
public sealed class StaffAccounts(
    UserManager<StaffUser> users,
    IUserStore<StaffUser> store,
    ConnectidDbContext db,
    StaffChangeLog changes,
    TimeProvider clock)
{
    public async Task<StaffResult> CreateUserAsync(
        StaffActor actor, string email, IReadOnlyCollection<string> roles, string password, CancellationToken cancellationToken = default)
    {
        if (await users.RefusalAsync(actor) is { } refusal)
        {
            return StaffResult.Fail(refusal);
        }

        if (!IsPlainAddress(email))
        {
            return StaffResult.Fail($"'{email}' is not a valid e-mail address.");
        }

        if (!TryCanonicalRoles(roles, out var canonicalRoles, out var roleError))
        {
            return StaffResult.Fail(roleError);
        }

        email = email.Trim();
        var user = new StaffUser
        {
            UserName = email,
            Email = email,
            // Staff accounts are created by an admin who knows the address; there is no self-registration to confirm.
            EmailConfirmed = true,
            CreatedAt = clock.GetUtcNow(),
        };

        return await changes.InTransactionAsync(
            async () =>
            {
                if (await users.FindByEmailAsync(email) is not null)
                {
                    return StaffResult.Fail($"A user with the address {email} exists already.");
                }

                var created = await users.CreateAsync(user, password);
                if (!created.Succeeded)
                {
                    return StaffResult.Fail(Describe(created));
                }

                var addedRoles = await users.AddToRolesAsync(user, canonicalRoles);
                if (!addedRoles.Succeeded)
                {
                    return StaffResult.Fail(Describe(addedRoles));
                }

                changes.Add(actor, AuditActions.UserCreated, user.Id, email, new { roles = canonicalRoles });
                await db.SaveChangesAsync(cancellationToken);
                return StaffResult.Ok(user);
            },
            result => result.Succeeded,
            cancellationToken);
    }

    public Task<IReadOnlyList<StaffSummary>> ListAsync(CancellationToken cancellationToken = default) =>
        SummariesAsync(db.Users, cancellationToken);

    public async Task<StaffSummary?> FindAsync(string userId, CancellationToken cancellationToken = default) =>
        (await SummariesAsync(db.Users.Where(u => u.Id == userId), cancellationToken)).SingleOrDefault();

    public async Task<StaffSummary?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = users.NormalizeEmail(email.Trim());
        return (await SummariesAsync(db.Users.Where(u => u.NormalizedEmail == normalized), cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// Disables or re-enables a user. Disabling also gives the user a new security stamp, which ends their open
    /// sessions at their next request; their API keys stop working at once.
    /// </summary>
    public Task<StaffResult> SetDisabledAsync(StaffActor actor, string userId, bool disabled, CancellationToken cancellationToken = default) =>
        ChangeUserAsync(actor, userId, cancellationToken, async user =>
        {
            if ((user.DisabledAt is not null) == disabled)
            {
                return StaffResult.Unchanged(user);
            }

            if (disabled && await IsLastEnabledAdminAsync(user, cancellationToken))
            {
                return StaffResult.Fail($"{user.Email} is the last enabled admin; make another user an admin first.");
            }

            user.DisabledAt = disabled ? clock.GetUtcNow() : null;
            var updated = disabled ? await users.UpdateSecurityStampAsync(user) : await users.UpdateAsync(user);
            if (!updated.Succeeded)
            {
                return StaffResult.Fail(Describe(updated));
            }

            changes.Add(actor, disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled, user.Id, user.Email ?? "");
            return StaffResult.Ok(user);
        });

    /// <summary>
    /// Replaces a user's roles. The sign-in cookie is re-read from the database on every request, so the new
    /// roles apply at the user's next request without signing them out.
    /// </summary>
    public Task<StaffResult> SetRolesAsync(StaffActor actor, string userId, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        if (!TryCanonicalRoles(roles, out var wanted, out var roleError))
        {
            return Task.FromResult(StaffResult.Fail(roleError));
        }

        return ChangeUserAsync(actor, userId, cancellationToken, async user =>
        {
            var current = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
            if (current.SequenceEqual(wanted))
            {
                return StaffResult.Unchanged(user);
            }

            if (current.Contains(StaffRoles.Admin) && !wanted.Contains(StaffRoles.Admin) && await IsLastEnabledAdminAsync(user, cancellationToken))
            {
                return StaffResult.Fail($"{user.Email} is the last enabled admin and keeps the Admin role; make another user an admin first.");
            }

            var removed = await users.RemoveFromRolesAsync(user, current.Except(wanted));
            var added = removed.Succeeded ? await users.AddToRolesAsync(user, wanted.Except(current)) : removed;
            if (!added.Succeeded)
            {
                return StaffResult.Fail(Describe(added));
            }

            changes.Add(actor, AuditActions.UserRolesChanged, user.Id, user.Email ?? "", new { from = current, to = wanted });
            return StaffResult.Ok(user);
        });
    }

    /// <summary>Sets a new password, ends the user's sessions (new security stamp) and any lockout.</summary>
    public async Task<StaffResult> ResetPasswordAsync(StaffActor actor, string userId, string password, CancellationToken cancellationToken = default)
    {
        // Made before the transaction: the token may need a new DataProtection key, which is written on a connection of its own.
        var target = await users.FindByIdAsync(userId);
        var token = target is null ? null : await users.GeneratePasswordResetTokenAsync(target);

        return await ChangeUserAsync(actor, userId, cancellationToken, async user =>
        {
            var wasLockedOut = await users.IsLockedOutAsync(user);
            var reset = await users.ResetPasswordAsync(user, token!, password);
            if (reset.Succeeded)
            {
                reset = await users.ResetAccessFailedCountAsync(user);
            }

            if (reset.Succeeded)
            {
                reset = await users.SetLockoutEndDateAsync(user, null);
            }

            if (!reset.Succeeded)
            {
                return StaffResult.Fail(Describe(reset));
            }

            changes.Add(actor, AuditActions.UserPasswordReset, user.Id, user.Email ?? "", new { lockoutEnded = wasLockedOut });
            return StaffResult.Ok(user);
        });
    }

    /// <summary>
    /// Turns two-factor sign-in off: disables it, replaces the authenticator key (an enrolled app's codes stop
    /// working), removes the recovery codes and passkeys, and ends the user's sessions with a new security stamp.
    /// </summary>
    public Task<StaffResult> ResetTwoFactorAsync(StaffActor actor, string userId, CancellationToken cancellationToken = default) =>
        ChangeUserAsync(actor, userId, cancellationToken, async user =>
        {
            var wasEnabled = await users.GetTwoFactorEnabledAsync(user);
            var recoveryCodes = await users.CountRecoveryCodesAsync(user);
            var passkeys = await users.GetPasskeysAsync(user);

            Func<Task<IdentityResult>>[] steps =
            [
                () => users.SetTwoFactorEnabledAsync(user, false),
                () => users.ResetAuthenticatorKeyAsync(user),
                .. passkeys.Select(passkey => (Func<Task<IdentityResult>>)(() => users.RemovePasskeyAsync(user, passkey.CredentialId))),
                async () =>
                {
                    await ((IUserTwoFactorRecoveryCodeStore<StaffUser>)store).ReplaceCodesAsync(user, [], cancellationToken);
                    return await users.UpdateSecurityStampAsync(user);
                },
            ];
            foreach (var step in steps)
            {
                if (await step() is { Succeeded: false } failed)
                {
                    return StaffResult.Fail(Describe(failed));
                }
            }

            changes.Add(actor, AuditActions.UserTwoFactorReset, user.Id, user.Email ?? "",
                new { twoFactorWasEnabled = wasEnabled, recoveryCodesRemoved = recoveryCodes, passkeysRemoved = passkeys.Count });
            return StaffResult.Ok(user);
        });

    /// <summary>A bare address, no display name or surrounding text, as staff and recipients type them.</summary>
    public static bool IsPlainAddress(string? email) =>
        !string.IsNullOrWhiteSpace(email)
        && MailAddress.TryCreate(email.Trim(), out var parsed)
        && parsed.Address == email.Trim()
        && (parsed.Host.Contains('.', StringComparison.Ordinal) || parsed.Host == "localhost");

    /// <summary>The checks every change to an existing user shares, then the change and its log row in one transaction.</summary>
    private Task<StaffResult> ChangeUserAsync(StaffActor actor, string userId, CancellationToken cancellationToken, Func<StaffUser, Task<StaffResult>> change) =>
        changes.InTransactionAsync(
            async () =>
            {
                if (await users.RefusalAsync(actor) is { } refusal)
                {
                    return StaffResult.Fail(refusal);
                }

                if (await users.FindByIdAsync(userId) is not { } user)
                {
                    return StaffResult.Fail("No such staff user.");
                }

                var result = await change(user);
                if (result is { Succeeded: true, Changed: true })
                {
                    await db.SaveChangesAsync(cancellationToken);
                }

                return result;
            },
            result => result is { Succeeded: true, Changed: true },
            cancellationToken);

    /// <summary>True when the user is an enabled admin and no other enabled admin exists.</summary>
    private async Task<bool> IsLastEnabledAdminAsync(StaffUser user, CancellationToken cancellationToken)
    {
        if (user.DisabledAt is not null || !await users.IsInRoleAsync(user, StaffRoles.Admin))
        {
            return false;
        }

        var adminRole = users.NormalizeName(StaffRoles.Admin);
        var otherEnabledAdmin = await (
                from membership in db.UserRoles
                join role in db.Roles on membership.RoleId equals role.Id
                join member in db.Users on membership.UserId equals member.Id
                where role.NormalizedName == adminRole && member.DisabledAt == null && member.Id != user.Id
                select member.Id)
            .AnyAsync(cancellationToken);
        return !otherEnabledAdmin;
    }

    private async Task<IReadOnlyList<StaffSummary>> SummariesAsync(IQueryable<StaffUser> members, CancellationToken cancellationToken)
    {
        var found = await members.OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var ids = found.Select(u => u.Id).ToList();
        var rolesByUser = (await db.UserRoles
                .Where(ur => ids.Contains(ur.UserId))
                .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, Role = r.Name! })
                .ToListAsync(cancellationToken))
            .ToLookup(r => r.UserId, r => r.Role);
        var passkeysByUser = (await db.UserPasskeys.Where(p => ids.Contains(p.UserId)).Select(p => p.UserId).ToListAsync(cancellationToken))
            .CountBy(id => id)
            .ToDictionary();
        var now = clock.GetUtcNow();
        return found
            .Select(u => new StaffSummary(
                u.Id,
                u.Email ?? "",
                u.CreatedAt,
                [.. rolesByUser[u.Id].Order(StringComparer.Ordinal)],
                u.DisabledAt,
                u.TwoFactorEnabled,
                passkeysByUser.GetValueOrDefault(u.Id),
                u.LockoutEnd > now ? u.LockoutEnd : null))
            .ToList();
    }

    /// <summary>The known roles in their canonical spelling, sorted and without repeats; at least one.</summary>
    private static bool TryCanonicalRoles(IEnumerable<string> roles, out List<string> canonical, out string error)
    {
        canonical = [];
        error = "";
        foreach (var role in roles)
        {
            if (StaffRoles.Canonical(role) is not { } known)
            {
                error = $"Unknown role '{role}'; use {string.Join(", ", StaffRoles.All)}.";
                return false;
            }

            canonical.Add(known);
        }

        canonical = [.. canonical.Distinct().Order(StringComparer.Ordinal)];
        if (canonical.Count == 0)
        {
            error = $"Give at least one role: {string.Join(", ", StaffRoles.All)}.";
            return false;
        }

        return true;
    }

    private static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));
}

public sealed record StaffSummary(
    string Id,
    string Email,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string> Roles,
    DateTimeOffset? DisabledAt,
    bool TwoFactorEnabled,
    int PasskeyCount,
    DateTimeOffset? LockedOutUntil)
{
    public bool IsDisabled => DisabledAt is not null;
}

/// <summary>The outcome of a change: the user, or why it was refused. <see cref="Changed"/> is false when the user was already as asked.</summary>
public sealed record StaffResult(StaffUser? User, string? Error, bool Changed = true)
{
    public bool Succeeded => Error is null;

    public static StaffResult Ok(StaffUser user) => new(user, null);

    public static StaffResult Unchanged(StaffUser user) => new(user, null, Changed: false);

    public static StaffResult Fail(string error) => new(null, error, Changed: false);
}
