using ConnectidMail.Testing;
using ConnectidMail.Web;

namespace ConnectidMail.IntegrationTests;

/// <summary>Bad settings stop the start with one clear line on standard error and a non-zero exit code.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly TempFolder folder = new();

    [Fact]
    public async Task An_unknown_database_provider_stops_the_start()
    {
        var (exitCode, error) = await StartAsync("Development", "--Database:Provider=Oracle");
        Assert.Equal(1, exitCode);
        Assert.Equal("ConnectidMail cannot start: Database:Provider 'Oracle' is unknown; use one of Sqlite, Postgres.", Assert.Single(Lines(error)));
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_stops_the_start()
    {
        var (exitCode, error) = await StartAsync("Development", "--Database:Provider=Postgres");
        Assert.Equal(1, exitCode);
        Assert.StartsWith(
            "ConnectidMail cannot start: ConnectionStrings:Default is not set; Database:Provider Postgres needs it",
            Assert.Single(Lines(error)),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_postgres_connection_string_stops_the_start_without_repeating_it()
    {
        var (exitCode, error) = await StartAsync("Development", "--Database:Provider=postgres", "--ConnectionStrings:Default=Host=db;Pasword=hunter2-secret");
        Assert.Equal(1, exitCode);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("ConnectidMail cannot start: ConnectionStrings:Default is not a valid PostgreSQL connection string", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_written_stops_the_start()
    {
        var notAFolder = folder.Combine("a-file");
        await File.WriteAllTextAsync(notAFolder, "");

        var (exitCode, error) = await StartAsync("Development", $"--Storage:DataPath={notAFolder}");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"ConnectidMail cannot start: Storage:DataPath '{notAFolder}' is not a folder the portal can write to", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_smtp_host_outside_development_stops_the_start_unless_the_pickup_folder_is_allowed()
    {
        var (exitCode, error) = await StartAsync("Production");
        Assert.Equal(1, exitCode);
        Assert.StartsWith("ConnectidMail cannot start: Mail:Smtp:Host is not set.", Assert.Single(Lines(error)), StringComparison.Ordinal);

        // With the pickup folder allowed the settings pass; the CLI proves it without binding a port.
        var allowed = await AdminCliRunner.RunAsync(
            ["--environment=Production", "--Mail:AllowPickupFolder=true", $"--Storage:DataPath={folder.Combine("data")}", $"--Keys:MasterKeyFile={folder.Combine("keys", "master.key")}"],
            null, "create-user", "--email", "admin@example.com", "--role", "Admin", "--password", "a sufficiently long password");
        Assert.True(allowed.ExitCode == 0, allowed.Error);
    }

    [Fact]
    public async Task An_unknown_smtp_security_mode_stops_the_start()
    {
        var (exitCode, error) = await StartAsync("Development", "--Mail:Smtp:Security=Sometimes");
        Assert.Equal(1, exitCode);
        Assert.Equal(
            "ConnectidMail cannot start: Mail:Smtp:Security 'Sometimes' is unknown; use one of Auto, StartTls, SslOnConnect, None.",
            Assert.Single(Lines(error)));
    }

    [Fact]
    public async Task A_master_key_file_inside_the_data_folder_stops_the_start()
    {
        var (exitCode, error) = await StartAsync("Development", $"--Keys:MasterKeyFile={folder.Combine("data", "master.key")}");
        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"ConnectidMail cannot start: Keys:MasterKeyFile '{folder.Combine("data", "master.key")}' lies inside Storage:DataPath; keep the master key outside the data folder.",
            Assert.Single(Lines(error)));
        Assert.False(File.Exists(folder.Combine("data", "master.key")));
    }

    [Fact]
    public async Task A_master_key_file_that_others_may_read_stops_the_start()
    {
        var keyFile = folder.Combine("keys", "master.key");
        Directory.CreateDirectory(folder.Combine("keys"));
        await File.WriteAllBytesAsync(keyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exitCode, error) = await StartAsync("Development");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("ConnectidMail cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(keyFile, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_master_key_of_the_wrong_length_stops_the_start_without_echoing_it()
    {
        var shortKey = Convert.ToBase64String(new byte[16]);

        var (exitCode, error) = await StartAsync("Development", $"--Keys:MasterKey={shortKey}");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("ConnectidMail cannot start: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_role_in_the_two_factor_setting_stops_the_start()
    {
        var (exitCode, error) = await StartAsync("Development", "--Staff:RequireTwoFactorForRoles=Admin,Owner");
        Assert.Equal(1, exitCode);
        Assert.Equal(
            "ConnectidMail cannot start: Staff:RequireTwoFactorForRoles 'Owner' is not a role; use Sender, Auditor, Admin (comma-separated), or an empty value for none.",
            Assert.Single(Lines(error)));
    }

    [Fact]
    public async Task Session_limits_out_of_range_stop_the_start()
    {
        var (exitCode, error) = await StartAsync("Development", "--Staff:SessionIdleMinutes=0", "--Staff:SessionAbsoluteHours=1000");
        Assert.Equal(1, exitCode);
        Assert.Equal(
            [
                "ConnectidMail cannot start: Staff:SessionIdleMinutes 0 is out of range; use 1 to 1440 minutes.",
                "ConnectidMail cannot start: Staff:SessionAbsoluteHours 1000 is out of range; use 1 to 720 hours.",
            ],
            Lines(error));

        (exitCode, error) = await StartAsync("Development", "--Staff:SessionIdleMinutes=120", "--Staff:SessionAbsoluteHours=1");
        Assert.Equal(1, exitCode);
        Assert.StartsWith("ConnectidMail cannot start: Staff:SessionIdleMinutes is longer than Staff:SessionAbsoluteHours", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Error)> StartAsync(string environment, params string[] settings)
    {
        var error = new StringWriter();
        var console = new ConsoleStreams(new StringReader(""), new StringWriter(), error, InputIsTerminal: false);
        string[] args =
        [
            $"--environment={environment}", $"--Storage:DataPath={folder.Combine("data")}", $"--Keys:MasterKeyFile={folder.Combine("keys", "master.key")}",
            "--urls=http://127.0.0.1:0", .. settings,
        ];
        var exitCode = await Program.RunAsync(args, console);
        return (exitCode, error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose() => folder.Dispose();
}
