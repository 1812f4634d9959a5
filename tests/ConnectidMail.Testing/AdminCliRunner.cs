using ConnectidMail.Web;

namespace ConnectidMail.Testing;

/// <summary>Runs the portal's own executable entry point in-process as <c>admin ...</c> or <c>migrate</c>, capturing its streams.</summary>
public static class AdminCliRunner
{
    public static Task<CliResult> RunAsync(IEnumerable<string> settingArguments, string? standardInput, params string[] command) =>
        RunProgramAsync(["admin", .. command, .. settingArguments], standardInput);

    public static Task<CliResult> RunAsync(PortalFactory portal, params string[] command) =>
        RunAsync(portal.SettingArguments, null, command);

    /// <summary><c>migrate</c> with the given settings (<see cref="PortalFactory.SettingArguments"/> for a portal's database).</summary>
    public static Task<CliResult> MigrateAsync(IEnumerable<string> settingArguments) =>
        RunProgramAsync(["migrate", .. settingArguments], null);

    private static async Task<CliResult> RunProgramAsync(string[] args, string? standardInput)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new ConsoleStreams(new StringReader(standardInput ?? ""), output, error, InputIsTerminal: false);
        var exitCode = await Program.RunAsync(args, console);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
