using System.Net.Mail;
using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.Staff;

/// <summary>Creates staff accounts: one rule set for the CLI and the admin pages.</summary>
public sealed class StaffAccounts(UserManager<StaffUser> users, ConnectidDbContext db, TimeProvider clock)
{
    public async Task<StaffResult> CreateUserAsync(string email, IReadOnlyCollection<string> roles, string password, CancellationToken cancellationToken = default)
    {
        if (!IsPlainAddress(email))
        {
            return StaffResult.Fail($"'{email}' is not a valid e-mail address.");
        }

        if (roles.Count == 0)
        {
            return StaffResult.Fail($"Give at least one role: {string.Join(", ", StaffRoles.All)}.");
        }

        var canonicalRoles = new List<string>();
        foreach (var role in roles)
        {
            var canonical = StaffRoles.Canonical(role);
            if (canonical is null)
            {
                return StaffResult.Fail($"Unknown role '{role}'; use {string.Join(", ", StaffRoles.All)}.");
            }

            canonicalRoles.Add(canonical);
        }

        email = email.Trim();
        if (await users.FindByEmailAsync(email) is not null)
        {
            return StaffResult.Fail($"A user with the address {email} exists already.");
        }

        var user = new StaffUser
        {
            UserName = email,
            Email = email,
            // Staff accounts are created by an admin who knows the address; there is no self-registration to confirm.
            EmailConfirmed = true,
            CreatedAt = clock.GetUtcNow(),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return StaffResult.Fail(Describe(created));
        }

        var addedRoles = await users.AddToRolesAsync(user, canonicalRoles.Distinct());
        if (!addedRoles.Succeeded)
        {
            return StaffResult.Fail(Describe(addedRoles));
        }

        await transaction.CommitAsync(cancellationToken);
        return StaffResult.Ok(user);
    }

    public async Task<IReadOnlyList<StaffSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var rolesByUser = await db.UserRoles
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, Role = r.Name! })
            .ToListAsync(cancellationToken);
        var members = await db.Users.OrderBy(u => u.Email).ToListAsync(cancellationToken);
        return members
            .Select(u => new StaffSummary(u.Id, u.Email ?? "", u.CreatedAt, [.. rolesByUser.Where(r => r.UserId == u.Id).Select(r => r.Role).Order()]))
            .ToList();
    }

    /// <summary>A bare address, no display name or surrounding text, as staff and recipients type them.</summary>
    public static bool IsPlainAddress(string? email) =>
        !string.IsNullOrWhiteSpace(email)
        && MailAddress.TryCreate(email.Trim(), out var parsed)
        && parsed.Address == email.Trim()
        && (parsed.Host.Contains('.', StringComparison.Ordinal) || parsed.Host == "localhost");

    private static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));
}

public sealed record StaffSummary(string Id, string Email, DateTimeOffset CreatedAt, IReadOnlyList<string> Roles);

public sealed record StaffResult(StaffUser? User, string? Error)
{
    public bool Succeeded => Error is null;

    public static StaffResult Ok(StaffUser user) => new(user, null);

    public static StaffResult Fail(string error) => new(null, error);
}
