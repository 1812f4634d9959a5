using System.Diagnostics;
using System.Net;
using ConnectidMail.Persistence;
using ConnectidMail.Testing;
using Microsoft.EntityFrameworkCore;

namespace ConnectidMail.IntegrationTests;

/// <summary>The <c>migrate</c> command of the web executable, on the lane's database.</summary>
public sealed class MigrateCommandTests
{
    private const string Password = "a sufficiently long password";

    [Fact]
    public async Task Migrate_applies_every_migration_to_an_empty_database_and_then_the_portal_is_ready()
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Database:AutoMigrate"] = "false" });
        using var client = portal.CreateClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        var refused = await AdminCliRunner.RunAsync(portal, "create-user", "--email", "early@example.com", "--role", "Admin", "--password", Password);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("run the migrate command first", Assert.Single(refused.ErrorLines), StringComparison.Ordinal);

        var migrated = await AdminCliRunner.MigrateAsync(portal.SettingArguments);

        Assert.True(migrated.ExitCode == 0, migrated.Error);
        var migrations = await portal.WithDbAsync(db => Task.FromResult(db.Database.GetMigrations().ToList()));
        Assert.Equal(migrations.Select(m => $"Applied migration {m}."), migrated.OutputLines[..^1]);
        Assert.EndsWith($"is up to date; {migrations.Count} migration(s) applied.", migrated.OutputLines[^1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var created = await AdminCliRunner.RunAsync(portal, "create-user", "--email", "early@example.com", "--role", "Admin", "--password", Password);
        Assert.True(created.ExitCode == 0, created.Error);

        var again = await AdminCliRunner.MigrateAsync(portal.SettingArguments);
        Assert.Equal(0, again.ExitCode);
        Assert.EndsWith("is up to date; no migration was pending.", Assert.Single(again.OutputLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_migration_follows_the_provider_default_on_for_sqlite_off_for_postgres()
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Database:AutoMigrate"] = null });
        using var client = portal.CreateClient();

        using var ready = await client.GetAsync("/health/ready");

        var expected = DatabaseLane.Current == DatabaseProvider.Postgres ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        Assert.Equal(expected, ready.StatusCode);
    }

    [Fact]
    public async Task Migrate_against_an_unreachable_postgres_server_exits_1_with_one_line_that_hides_the_password()
    {
        using var folder = new TempFolder();
        var port = PortalFactory.FreeTcpPort();
        string[] settings =
        [
            "--environment=Development",
            $"--Storage:DataPath={folder.Combine("data")}",
            "--Database:Provider=Postgres",
            $"--ConnectionStrings:Default=Host=127.0.0.1;Port={port};Database=connectidmail;Username=connectidmail;Password=not-to-be-shown",
        ];

        var result = await AdminCliRunner.MigrateAsync(settings);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith(
            $"error: migrating the PostgreSQL database 'connectidmail' on tcp://127.0.0.1:{port} failed: Failed to connect to 127.0.0.1:{port}",
            line,
            StringComparison.Ordinal);
        Assert.DoesNotContain("not-to-be-shown", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_refuses_arguments_that_are_not_settings()
    {
        var result = await AdminCliRunner.MigrateAsync(["--force"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: option --force needs a value.", Assert.Single(result.ErrorLines));

        var help = await AdminCliRunner.MigrateAsync(["--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Usage: ConnectidMail.Web migrate", help.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// As an operator runs it: the built executable in a process of its own, started in its own folder beside its
    /// appsettings, so every line the host and its logging write is seen. Results alone go to standard output (logs
    /// may go to standard error); a failure is one line on standard error, without a stack trace.
    /// </summary>
    [Fact]
    public async Task The_executable_prints_only_results_and_fails_with_one_line()
    {
        using var portal = new PortalFactory(new Dictionary<string, string?> { ["Database:AutoMigrate"] = "false" });

        var migrated = await RunExecutableAsync(["migrate", .. portal.SettingArguments]);

        Assert.True(migrated.ExitCode == 0, migrated.Error);
        Assert.All(migrated.OutputLines[..^1], line => Assert.StartsWith("Applied migration ", line, StringComparison.Ordinal));
        Assert.EndsWith("migration(s) applied.", migrated.OutputLines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", migrated.Error, StringComparison.Ordinal);

        var port = PortalFactory.FreeTcpPort();
        var unreachable = await RunExecutableAsync(
        [
            "migrate", "--environment=Production", "--Mail:AllowPickupFolder=true", $"--Storage:DataPath={portal.Folder.Combine("production")}",
            "--Database:Provider=Postgres", $"--ConnectionStrings:Default=Host=127.0.0.1;Port={port};Database=x;Username=x",
        ]);

        Assert.Equal(1, unreachable.ExitCode);
        Assert.Empty(unreachable.OutputLines);
        Assert.StartsWith("error: migrating the PostgreSQL database 'x'", Assert.Single(unreachable.ErrorLines), StringComparison.Ordinal);
    }

    private static async Task<CliResult> RunExecutableAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(typeof(Program).Assembly.Location)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
