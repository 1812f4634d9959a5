using ConnectidMail.Web;

namespace ConnectidMail.Testing;

/// <summary>Runs the portal's own executable entry point in-process as <c>admin ...</c>, capturing its streams.</summary>
public static class AdminCliRunner
{
    public static async Task<CliResult> RunAsync(IEnumerable<string> settingArguments, string? standardInput, params string[] command)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new ConsoleStreams(new StringReader(standardInput ?? ""), output, error, InputIsTerminal: false);
        var exitCode = await Program.RunAsync(["admin", .. command, .. settingArguments], console);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(PortalFactory portal, params string[] command) =>
        RunAsync(portal.SettingArguments, null, command);
}

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
