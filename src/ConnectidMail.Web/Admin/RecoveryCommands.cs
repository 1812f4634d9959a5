using ConnectidMail.ApiKeys;
using ConnectidMail.Staff;
using static ConnectidMail.Web.Admin.AdminCli;

namespace ConnectidMail.Web.Admin;

/// <summary>
/// The admin CLI's recovery commands: for an admin locked out of the pages, a lost second factor, a leaked key.
/// Each looks the user or key up first and changes nothing when the input is bad.
/// </summary>
internal static class RecoveryCommands
{
    public static async Task<int> ResetPasswordAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        if (!options.TryGetSingle("password", out var password, console, required: false))
        {
            return Usage;
        }

        var (exit, user) = await FindUserAsync(services, options, console);
        if (user is null)
        {
            return exit;
        }

        // Only now, for a user that exists, ask for the password on the terminal.
        password ??= ReadPassword(console);
        if (string.IsNullOrEmpty(password))
        {
            console.Error.WriteLine("error: no password given; pass --password or write it to standard input.");
            return Failed;
        }

        var result = await services.GetRequiredService<StaffAccounts>().ResetPasswordAsync(StaffActor.Cli, user.Id, password);
        return Report(result, console, $"Set a new password for {user.Email}; their sessions and any lockout have ended.");
    }

    public static async Task<int> SetDisabledAsync(IServiceProvider services, CliOptions options, ConsoleStreams console, bool disabled)
    {
        var (exit, user) = await FindUserAsync(services, options, console);
        if (user is null)
        {
            return exit;
        }

        var result = await services.GetRequiredService<StaffAccounts>().SetDisabledAsync(StaffActor.Cli, user.Id, disabled);
        return disabled
            ? Report(result, console,
                $"Disabled {user.Email}: they are signed out, cannot sign in, and their API keys stop working.",
                $"{user.Email} is disabled already; nothing changed.")
            : Report(result, console, $"Enabled {user.Email}: they can sign in again.", $"{user.Email} is enabled already; nothing changed.");
    }

    public static async Task<int> ResetTwoFactorAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        var (exit, user) = await FindUserAsync(services, options, console);
        if (user is null)
        {
            return exit;
        }

        var result = await services.GetRequiredService<StaffAccounts>().ResetTwoFactorAsync(StaffActor.Cli, user.Id);
        return Report(result, console,
            $"Two-factor sign-in is off for {user.Email}: authenticator, recovery codes and passkeys removed, sessions ended.");
    }

    public static async Task<int> RevokeApiKeyAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        if (!options.TryGetSingle("prefix", out var prefix, console, required: false) || !options.TryGetSingle("id", out var id, console, required: false))
        {
            return Usage;
        }

        if ((prefix is null) == (id is null))
        {
            console.Error.WriteLine("error: give --prefix or --id (one of them).");
            return Usage;
        }

        var keys = services.GetRequiredService<ApiKeyService>();
        Guid keyId;
        if (id is not null)
        {
            if (!Guid.TryParse(id, out keyId))
            {
                console.Error.WriteLine($"error: --id '{id}' is not a key id (a GUID).");
                return Usage;
            }
        }
        else
        {
            var matches = await keys.FindByPrefixAsync(prefix!);
            if (matches.Count != 1)
            {
                console.Error.WriteLine(matches.Count == 0
                    ? $"error: no API key has the prefix '{prefix}'."
                    : $"error: {matches.Count} API keys have the prefix '{prefix}'; revoke one with --id {string.Join(" or --id ", matches)}.");
                return Failed;
            }

            keyId = matches[0];
        }

        var revocation = await keys.RevokeAsync(StaffActor.Cli, keyId);
        if (!revocation.Succeeded)
        {
            console.Error.WriteLine($"error: {revocation.Error}");
            return Failed;
        }

        var key = revocation.Record!;
        console.Out.WriteLine(revocation.Changed
            ? $"Revoked the API key '{key.Name}' ({key.DisplayPrefix}) of {key.User?.Email}; it is refused from now on."
            : $"The API key '{key.Name}' ({key.DisplayPrefix}) was revoked already; nothing changed.");
        return Ok;
    }

    private static async Task<(int Exit, StaffSummary? User)> FindUserAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        if (!options.TryGetSingle("email", out var email, console))
        {
            return (Usage, null);
        }

        var user = await services.GetRequiredService<StaffAccounts>().FindByEmailAsync(email!);
        if (user is null)
        {
            console.Error.WriteLine($"error: no staff user has the address {email!.Trim()}.");
            return (Failed, null);
        }

        return (Ok, user);
    }

    private static int Report(StaffResult result, ConsoleStreams console, string changed, string? unchanged = null)
    {
        if (!result.Succeeded)
        {
            console.Error.WriteLine($"error: {result.Error}");
            return Failed;
        }

        console.Out.WriteLine(result.Changed ? changed : unchanged ?? changed);
        return Ok;
    }
}
