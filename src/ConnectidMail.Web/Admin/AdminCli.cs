using System.Globalization;
using ConnectidMail.ApiKeys;
using ConnectidMail.Keys;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web.Admin;

/// <summary>
/// <c>ConnectidMail.Web admin &lt;command&gt;</c>: recovery and set-up commands that run against the portal's own
/// settings and database, before the portal has ever started or while it runs. Results go to standard output,
/// logs and errors to standard error; every failure exits non-zero with one line that says why.
/// </summary>
internal static class AdminCli
{
    internal const int Ok = 0;
    internal const int Failed = 1;
    internal const int Usage = 2;

    private const string Help = """
        Usage: ConnectidMail.Web admin <command> [options]

          create-user    --email E --role Sender|Auditor|Admin [--role R ...] [--password P]
                         Without --password the password is read from standard input.
          create-api-key --email E --name N [--expires YYYY-MM-DD | --expires-in-days D]
                         Prints the new key alone on the last line; it is shown once and stored hashed.
          audit verify   Checks the audit trail's hash chain from the first event to the head and prints
                         {valid, eventCount, headHash, firstInvalidSequence} as JSON; exits 1 when invalid.
                         The signed checkpoints are checked too, and the chain against them (a cut tail).
          audit rotate-key
                         Retires the checkpoint signing key and starts the next one (derived from the master key);
                         prints the new key's fingerprint. Old checkpoints still verify with the retired key.
          rotate-keys    [--batch-size N]
                         New key-encryption key; re-wraps every data key under it, then retires the old one
                         (erased by a rotation at least 24 hours later). Content is not re-encrypted.
                         Safe to interrupt and run again.

        Recovery:
          reset-password   --email E [--password P]
                           Sets a new password (read from standard input without --password) and ends
                           the user's sessions and any lockout.
          disable-user     --email E
                           The user is signed out, cannot sign in and their API keys stop working.
          enable-user      --email E
          revoke-api-key   --prefix P | --id ID
                           P is the key's prefix as lists show it, e.g. cmk_Ab3dE9.
          reset-two-factor --email E
                           Turns two-factor sign-in off: removes the authenticator app, recovery codes
                           and passkeys, and ends the user's sessions.
        """;

    private static readonly Dictionary<string, string[]> KnownOptions = new()
    {
        ["create-user"] = ["email", "role", "password"],
        ["create-api-key"] = ["email", "name", "expires", "expires-in-days"],
        ["rotate-keys"] = ["batch-size"],
        ["audit verify"] = [],
        ["audit rotate-key"] = [],
        ["reset-password"] = ["email", "password"],
        ["disable-user"] = ["email"],
        ["enable-user"] = ["email"],
        ["revoke-api-key"] = ["prefix", "id"],
        ["reset-two-factor"] = ["email"],
    };

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] == "admin";

    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args, ConsoleStreams console)
    {
        if (args.Length > 1 && args[1] is "help" or "--help" or "-h")
        {
            console.Out.WriteLine(Help);
            return Ok;
        }

        if (args.Length < 2 || args[1].StartsWith('-'))
        {
            console.Error.WriteLine(Help);
            return Usage;
        }

        // "audit" has sub-commands: "admin audit verify", "admin audit rotate-key".
        var words = args[1] == "audit" && args.Length > 2 ? 2 : 1;
        var command = string.Join(' ', args[1..(1 + words)]);
        if (!KnownOptions.ContainsKey(command))
        {
            console.Error.WriteLine($"error: unknown command '{command}'. Run 'admin help' for the list.");
            return Usage;
        }

        if (!CliOptions.TryParse(args[(1 + words)..], KnownOptions[command], out var options, out var parseError))
        {
            console.Error.WriteLine($"error: {parseError}");
            return Usage;
        }

        // Standard output carries results only (the API key on its last line); every log line goes to standard error.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Database failures are reported as one line below; EF Core and Npgsql would add their own stack traces.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None);
        builder.Logging.AddFilter("Npgsql", LogLevel.None);

        await using var app = builder.Build();
        if (!app.Services.ValidateSettings(console.Error))
        {
            return Failed;
        }

        try
        {
            if (!await EnsureDatabaseAsync(app.Services, console))
            {
                return Failed;
            }

            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<KeyStore>().EnsureKeyEncryptionKeyAsync();
            return command switch
            {
                "create-user" => await CreateUserAsync(scope.ServiceProvider, options, console),
                "create-api-key" => await CreateApiKeyAsync(scope.ServiceProvider, options, console),
                "rotate-keys" => await RotateKeysAsync(scope.ServiceProvider, options, console),
                "audit verify" => await AuditCommands.VerifyAsync(scope.ServiceProvider, console),
                "audit rotate-key" => await AuditCommands.RotateKeyAsync(scope.ServiceProvider, console),
                "reset-password" => await RecoveryCommands.ResetPasswordAsync(scope.ServiceProvider, options, console),
                "disable-user" => await RecoveryCommands.SetDisabledAsync(scope.ServiceProvider, options, console, disabled: true),
                "enable-user" => await RecoveryCommands.SetDisabledAsync(scope.ServiceProvider, options, console, disabled: false),
                "revoke-api-key" => await RecoveryCommands.RevokeApiKeyAsync(scope.ServiceProvider, options, console),
                _ => await RecoveryCommands.ResetTwoFactorAsync(scope.ServiceProvider, options, console),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A database that does not answer, a rotation that must be run again: one line, not a stack trace.
            console.Error.WriteLine($"error: {command} failed: {MigrateCommand.OneLine(e)}");
            return Failed;
        }
    }

    private static async Task<bool> EnsureDatabaseAsync(IServiceProvider services, ConsoleStreams console)
    {
        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ShouldAutoMigrate)
        {
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync();
            return true;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        if ((await db.Database.GetPendingMigrationsAsync()).Any())
        {
            console.Error.WriteLine("error: the database lacks migrations and Database:AutoMigrate is off; run the migrate command first.");
            return false;
        }

        return true;
    }

    private static async Task<int> CreateUserAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        if (!options.TryGetSingle("email", out var email, console) || !options.TryGetSingle("password", out var password, console, required: false))
        {
            return Usage;
        }

        var roles = options.All("role").SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (roles.Count == 0)
        {
            console.Error.WriteLine($"error: --role is required ({string.Join(", ", StaffRoles.All)}).");
            return Usage;
        }

        // Check the cheap things before asking for a password on the terminal.
        if (!StaffAccounts.IsPlainAddress(email))
        {
            console.Error.WriteLine($"error: '{email}' is not a valid e-mail address.");
            return Failed;
        }

        password ??= ReadPassword(console);
        if (string.IsNullOrEmpty(password))
        {
            console.Error.WriteLine("error: no password given; pass --password or write it to standard input.");
            return Failed;
        }

        var result = await services.GetRequiredService<StaffAccounts>().CreateUserAsync(StaffActor.Cli, email!, roles, password);
        if (!result.Succeeded)
        {
            console.Error.WriteLine($"error: {result.Error}");
            return Failed;
        }

        console.Out.WriteLine($"Created {result.User!.Email} with role(s) {string.Join(", ", roles.Select(StaffRoles.Canonical).Distinct())}.");
        return Ok;
    }

    private static async Task<int> CreateApiKeyAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        if (!options.TryGetSingle("email", out var email, console)
            || !options.TryGetSingle("name", out var name, console)
            || !options.TryGetSingle("expires", out var expires, console, required: false)
            || !options.TryGetSingle("expires-in-days", out var expiresInDays, console, required: false))
        {
            return Usage;
        }

        DateTimeOffset? expiresAt = null;
        if (expires is not null && expiresInDays is not null)
        {
            console.Error.WriteLine("error: give --expires or --expires-in-days, not both.");
            return Usage;
        }

        if (expires is not null)
        {
            if (!DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                console.Error.WriteLine($"error: --expires '{expires}' is not a date (YYYY-MM-DD or ISO 8601).");
                return Usage;
            }

            expiresAt = at;
        }
        else if (expiresInDays is not null)
        {
            if (!int.TryParse(expiresInDays, NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days is < 1 or > 3650)
            {
                console.Error.WriteLine($"error: --expires-in-days '{expiresInDays}' must be a whole number of days from 1 to 3650.");
                return Usage;
            }

            expiresAt = services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(days);
        }

        if (await services.GetRequiredService<StaffAccounts>().FindByEmailAsync(email!) is not { } user)
        {
            console.Error.WriteLine($"error: no staff user has the address {email!.Trim()}.");
            return Failed;
        }

        var created = await services.GetRequiredService<ApiKeyService>().CreateAsync(StaffActor.Cli, user.Id, name!, expiresAt);
        if (!created.Succeeded)
        {
            console.Error.WriteLine($"error: {created.Error}");
            return Failed;
        }

        var expiry = created.Record!.ExpiresAt is { } e ? $"expires {e:yyyy-MM-dd HH:mm} UTC" : "does not expire";
        console.Error.WriteLine($"API key '{created.Record.Name}' for {email} {expiry}. It is shown once; store it now.");
        console.Out.WriteLine(created.Key);
        return Ok;
    }

    private static async Task<int> RotateKeysAsync(IServiceProvider services, CliOptions options, ConsoleStreams console)
    {
        if (!options.TryGetSingle("batch-size", out var batchText, console, required: false))
        {
            return Usage;
        }

        var batchSize = 500;
        if (batchText is not null && (!int.TryParse(batchText, NumberStyles.None, CultureInfo.InvariantCulture, out batchSize) || batchSize is < 1 or > 100_000))
        {
            console.Error.WriteLine($"error: --batch-size '{batchText}' must be a whole number from 1 to 100000.");
            return Usage;
        }

        var result = await services.GetRequiredService<KeyStore>().RotateAsync(batchSize, done => console.Error.WriteLine($"re-wrapped {done} data key(s)"));
        var retired = result.Retired.Count == 0 ? "no key to retire" : "retired " + string.Join(", ", result.Retired.Select(v => $"v{v}"));
        var erased = result.Erased.Count == 0 ? "" : ", erased " + string.Join(", ", result.Erased.Select(v => $"v{v}"));
        console.Out.WriteLine(
            $"{(result.Resumed ? "Finished an interrupted rotation" : "Rotated")} to key-encryption key v{result.Version}: {result.Rewrapped} data key(s) re-wrapped, {retired}{erased}.");
        return Ok;
    }

    internal static string? ReadPassword(ConsoleStreams console)
    {
        if (!console.InputIsTerminal)
        {
            return console.In.ReadLine();
        }

        console.Error.Write("Password: ");
        var password = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        console.Error.WriteLine();
        return password.ToString();
    }
}
