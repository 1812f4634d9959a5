using ConnectidMail.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Staff;

public static class StaffAccountsExtensions
{
    /// <summary>OWASP ASVS 5.0 asks for at least 210,000 PBKDF2-HMAC-SHA512 iterations.</summary>
    public const int PasswordHashIterations = 210_000;

    public static IHostApplicationBuilder AddStaffAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.Configure<PasswordHasherOptions>(options =>
        {
            options.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            options.IterationCount = PasswordHashIterations;
        });

        builder.Services.AddIdentityCore<StaffUser>(options =>
            {
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
                options.User.RequireUniqueEmail = true;
                // Turns on the EnabledStaffConfirmation check: disabled users cannot sign in.
                options.SignIn.RequireConfirmedAccount = true;
                // ASVS 5.0: length over composition rules.
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 4;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ConnectidDbContext>()
            .AddUserStore<StaffUserStore>()
            .AddSignInManager()
            .AddUserConfirmation<EnabledStaffConfirmation>()
            .AddDefaultTokenProviders();

        // The sign-in cookie is checked against the database on every request, so disabling a user or resetting
        // their password or second factor (a new security stamp) ends their sessions at once, and role changes
        // apply at the next request.
        builder.Services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.Zero);

        builder.Services.AddScoped<StaffAccounts>();
        builder.Services.AddScoped<StaffChangeLog>();
        return builder;
    }
}
