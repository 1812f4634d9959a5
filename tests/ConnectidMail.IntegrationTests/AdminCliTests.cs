using System.Text;
using ConnectidMail.Persistence;
using ConnectidMail.Staff;
using ConnectidMail.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectidMail.IntegrationTests;

public sealed class AdminCliTests(PortalFixture fixture) : IClassFixture<PortalFixture>
{
    private const string Password = "a sufficiently long password";

    private PortalFactory Portal => fixture.Portal;

    [Fact]
    public async Task Create_user_makes_a_staff_account_with_its_role_and_password()
    {
        var email = Unique("auditor");

        var result = await AdminCliRunner.RunAsync(Portal, "create-user", "--email", email, "--role", "auditor", "--password", Password);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"Created {email} with role(s) Auditor.", result.Output, StringComparison.Ordinal);
        await using var scope = Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var user = await users.FindByEmailAsync(email);
        Assert.NotNull(user);
        Assert.Equal(["Auditor"], await users.GetRolesAsync(user));
        Assert.True(await users.CheckPasswordAsync(user, Password));
        Assert.False(await users.CheckPasswordAsync(user, Password + "!"));
    }

    [Fact]
    public async Task Create_user_reads_the_password_from_standard_input_and_accepts_several_roles()
    {
        var email = Unique("both");

        var result = await AdminCliRunner.RunAsync(Portal.SettingArguments, Password + "\n", "create-user", "--email", email, "--role", "Sender,Auditor");

        Assert.True(result.ExitCode == 0, result.Error);
        await using var scope = Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var user = await users.FindByEmailAsync(email);
        Assert.NotNull(user);
        Assert.Equal(["Auditor", "Sender"], (await users.GetRolesAsync(user)).Order());
        Assert.True(await users.CheckPasswordAsync(user, Password));
    }

    public static TheoryData<string[], string> BadCreateUserInput => new()
    {
        { ["--email", "not-an-address", "--role", "Admin", "--password", Password], "'not-an-address' is not a valid e-mail address." },
        { ["--email", "Name <x@example.com>", "--role", "Admin", "--password", Password], "is not a valid e-mail address." },
        { ["--email", "bad-role@example.com", "--role", "Owner", "--password", Password], "Unknown role 'Owner'" },
        { ["--email", "no-role@example.com", "--password", Password], "--role is required" },
        { ["--role", "Admin", "--password", Password], "--email is required." },
        { ["--email", "short@example.com", "--role", "Admin", "--password", "short"], "Passwords must be at least 12 characters." },
        { ["--email", "typo@example.com", "--rolle", "Admin"], "unknown option --rolle" },
        { ["--email"], "option --email needs a value." },
    };

    [Theory]
    [MemberData(nameof(BadCreateUserInput))]
    public async Task Create_user_refuses_bad_input_with_one_line_and_changes_nothing(string[] arguments, string reason)
    {
        var before = await CountUsersAsync();

        var result = await AdminCliRunner.RunAsync(Portal, ["create-user", .. arguments]);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
        Assert.Equal(before, await CountUsersAsync());
    }

    [Fact]
    public async Task Create_user_refuses_a_duplicate_address_whatever_its_case()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);
        var before = await CountUsersAsync();

        var result = await AdminCliRunner.RunAsync(Portal, "create-user", "--email", email.ToUpperInvariant(), "--role", "Admin", "--password", Password);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("exists already", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await CountUsersAsync());
    }

    [Fact]
    public async Task Unknown_commands_and_a_bare_admin_exit_with_usage_errors()
    {
        var unknown = await AdminCliRunner.RunAsync(Portal, "drop-database");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown command 'drop-database'", unknown.Error, StringComparison.Ordinal);

        var bare = await AdminCliRunner.RunAsync(Portal);
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("create-api-key", bare.Error, StringComparison.Ordinal);

        var help = await AdminCliRunner.RunAsync(Portal, "help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("create-user", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_api_key_prints_the_key_alone_on_the_last_line_and_stores_only_its_hash()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Sender);

        var result = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", email, "--name", "CI pipeline", "--expires-in-days", "30");

        Assert.True(result.ExitCode == 0, result.Error);
        var key = result.OutputLines[^1];
        Assert.Matches("^cmk_[A-Za-z0-9_-]{43}$", key);
        Assert.DoesNotContain(key, result.Error, StringComparison.Ordinal);

        var stored = await Portal.WithDbAsync(db => db.ApiKeys.Include(k => k.User).SingleAsync(k => k.User!.Email == email));
        Assert.Equal("CI pipeline", stored.Name);
        Assert.InRange(stored.ExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)), stored.KeyHash);
        Assert.True(await StoredBytes.ContainAsync(Portal, email), "The look through the database files does not even find the user's address.");
        Assert.False(await StoredBytes.ContainAsync(Portal, key[4..]), "The API key's secret part was found in the database files.");
    }

    [Fact]
    public async Task Every_api_key_is_different()
    {
        var email = await fixture.CreateUserAsync(StaffRoles.Auditor);
        var first = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", email, "--name", "one");
        var second = await AdminCliRunner.RunAsync(Portal, "create-api-key", "--email", email, "--name", "two");
        Assert.NotEqual(first.OutputLines[^1], second.OutputLines[^1]);
    }

    [Fact]
    public async Task Create_api_key_refuses_bad_input_and_stores_nothing()
    {
        var sender = await fixture.CreateUserAsync(StaffRoles.Sender);
        var adminOnly = await fixture.CreateUserAsync(StaffRoles.Admin);
        var before = await Portal.WithDbAsync(db => db.ApiKeys.CountAsync());

        string[][] cases =
        [
            ["--email", "nobody@example.com", "--name", "x"],
            ["--email", adminOnly, "--name", "x"],
            ["--email", sender],
            ["--email", sender, "--name", "x", "--expires", "2001-01-01"],
            ["--email", sender, "--name", "x", "--expires", "next tuesday"],
            ["--email", sender, "--name", "x", "--expires-in-days", "-3"],
            ["--email", sender, "--name", "x", "--expires", "2099-01-01", "--expires-in-days", "3"],
            ["--email", sender, "--name", new string('n', 101)],
        ];
        foreach (var arguments in cases)
        {
            var result = await AdminCliRunner.RunAsync(Portal, ["create-api-key", .. arguments]);
            Assert.True(result.ExitCode != 0, $"create-api-key {string.Join(' ', arguments)} succeeded");
            Assert.Empty(result.Output);
            Assert.StartsWith("error: ", Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }

        Assert.Equal(before, await Portal.WithDbAsync(db => db.ApiKeys.CountAsync()));
    }

    /// <summary>
    /// The embedded database in every lane (PostgreSQL is not migrated by the admin commands by default; see
    /// <see cref="MigrateCommandTests"/>).
    /// </summary>
    [Fact]
    public async Task The_cli_creates_and_migrates_the_embedded_database_before_the_portal_ever_started()
    {
        using var folder = new TempFolder();
        string[] settings =
        [
            "--environment=Development", $"--Storage:DataPath={folder.Combine("fresh", "data")}", $"--Keys:MasterKeyFile={folder.Combine("fresh", "keys", "master.key")}",
        ];

        var result = await AdminCliRunner.RunAsync(settings, null, "create-user", "--email", "first@example.com", "--role", "Admin", "--password", Password);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(File.Exists(folder.Combine("fresh", "data", DatabaseExtensions.SqliteFileName)));

        // The portal started afterwards on the same data lets that admin sign in (and set up two-factor, as admins must).
        using var portal = new PortalFactory(new Dictionary<string, string?>
        {
            ["Database:Provider"] = nameof(DatabaseProvider.Sqlite),
            ["Storage:DataPath"] = folder.Combine("fresh", "data"),
            ["Keys:MasterKeyFile"] = folder.Combine("fresh", "keys", "master.key"),
        });
        using var session = new StaffSession(portal);
        var (_, location, _) = await session.LogInAsync("first@example.com", Password);
        Assert.Equal("/Account/Manage/EnrolTwoFactor?returnUrl=%2F", location);
    }

    [Fact]
    public async Task A_database_that_cannot_be_opened_gives_one_line_and_exit_code_1()
    {
        using var folder = new TempFolder();
        string[] settings =
        [
            "--environment=Development", $"--Storage:DataPath={folder.Combine("data")}", $"--Keys:MasterKeyFile={folder.Combine("keys", "master.key")}",
            $"--ConnectionStrings:Default=Data Source={folder.Combine("no-such-folder", "x.db")};Mode=ReadWrite",
        ];

        var result = await AdminCliRunner.RunAsync(settings, null, "create-user", "--email", "x@example.com", "--role", "Admin", "--password", Password);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: create-user failed: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private Task<int> CountUsersAsync() => Portal.WithDbAsync(db => db.Users.CountAsync());

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";
}
