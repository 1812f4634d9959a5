using System.Diagnostics;
using ConnectidMail.Testing;

namespace ConnectidMail.EndToEndTests;

/// <summary>
/// What the container runs, without a container engine: <c>dotnet publish</c> in Release, then the published
/// <c>ConnectidMail.Web.dll</c> started from its own folder in Production with an SMTP host, on http://localhost:PORT.
/// </summary>
public sealed class PublishedPortal : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(6);
    private readonly TempFolder folder = new();
    private Process? server;
    private readonly StringWriter serverOutput = new();

    public Uri BaseAddress { get; } = new($"http://localhost:{PortalFactory.FreeTcpPort()}");

    public string AppFolder => folder.Combine("app");

    public string DataPath => folder.Combine("volumes", "data");

    public string ServerOutput
    {
        get
        {
            lock (serverOutput)
            {
                return serverOutput.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        var project = Path.Combine(RepositoryRoot(), "src", "ConnectidMail.Web", "ConnectidMail.Web.csproj");
        // Without build servers: a compiler or MSBuild server started by this publish would inherit its output pipes
        // and outlive it, so reading the output to its end would never finish (a machine without
        // UseSharedCompilation=false in its environment hung here).
        var publish = await RunAsync("dotnet", ["publish", project, "-c", "Release", "-o", AppFolder, "--nologo", "--disable-build-servers"], PublishTimeout);
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}\n{publish.Error}");

        server = Start("dotnet", ["ConnectidMail.Web.dll", "--urls", BaseAddress.ToString()]);
        server.OutputDataReceived += (_, e) => Record(e.Data);
        server.ErrorDataReceived += (_, e) => Record(e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        await WaitUntilReadyAsync();
    }

    /// <summary>Runs the published executable's admin CLI against the same settings while the server runs.</summary>
    public Task<(int ExitCode, string Output, string Error)> AdminAsync(params string[] command) =>
        RunAsync("dotnet", ["ConnectidMail.Web.dll", "admin", .. command], TimeSpan.FromMinutes(1));

    public async Task DisposeAsync()
    {
        if (server is { HasExited: false })
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        server?.Dispose();
        folder.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(server!.HasExited, $"The published portal exited with {(server.HasExited ? server.ExitCode : 0)}:\n{ServerOutput}");
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The published portal did not become ready within 60 s:\n{ServerOutput}");
    }

    private Process Start(string fileName, string[] arguments, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = AppFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataPath"] = DataPath;
        start.Environment["Keys__MasterKeyFile"] = folder.Combine("volumes", "keys", "master.key");
        // An SMTP host is what production needs to start; nothing is mailed by these tests.
        start.Environment["Mail__Smtp__Host"] = "127.0.0.1";
        start.Environment["Mail__Smtp__Port"] = PortalFactory.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string fileName, string[] arguments, TimeSpan timeout)
    {
        Directory.CreateDirectory(AppFolder);
        using var process = Start(fileName, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(output, error).WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            var exited = process.HasExited;
            process.Kill(entireProcessTree: true);
            Assert.Fail(exited
                ? $"{fileName} {string.Join(' ', arguments)} exited, but a process it started kept its output open for {timeout}."
                : $"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        return (process.ExitCode, await output, await error);
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (serverOutput)
            {
                serverOutput.WriteLine(line);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ConnectidMail.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ConnectidMail.sln above {AppContext.BaseDirectory}.");
    }
}
