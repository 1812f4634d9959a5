using System.Diagnostics;
using System.Globalization;

namespace ConnectidMail.Benchmarks;

/// <summary>A server started as a child process, with its output kept for error messages and its memory read from /proc.</summary>
internal sealed class ChildServer : IDisposable
{
    private readonly Process process;
    private readonly StringWriter output = new();

    public ChildServer(ProcessStartInfo start, Uri baseAddress)
    {
        BaseAddress = baseAddress;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public int ProcessId => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public async Task WaitUntilReadyAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The server did not become ready within 120 s:\n{Output}");
    }

    /// <summary>Linux: writing 5 to clear_refs resets the kernel's peak resident set (VmHWM) of the process.</summary>
    public bool TryResetPeakResident()
    {
        try
        {
            File.WriteAllText($"/proc/{process.Id}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public long ResidentBytes => ProcStatus.ReadKilobytes(process.Id, "VmRSS:") * 1024;

    public long PeakResidentBytes => ProcStatus.ReadKilobytes(process.Id, "VmHWM:") * 1024;

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.WriteLine(line);
            }
        }
    }
}

internal static class ProcStatus
{
    public static long ReadKilobytes(int processId, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"No {field} in /proc/{processId}/status.");
    }
}

/// <summary>Samples a child's resident set every 5 ms on a thread of its own; the peak is the larger of that and VmHWM.</summary>
internal sealed class ChildPeakSampler : IDisposable
{
    private readonly ChildServer server;
    private readonly Thread thread;
    private readonly bool peakWasReset;
    private volatile bool stopping;
    private long peakResident;

    public ChildPeakSampler(ChildServer server)
    {
        this.server = server;
        peakWasReset = server.TryResetPeakResident();
        Before = server.ResidentBytes;
        thread = new Thread(Sample) { IsBackground = true, Name = "child peak sampler" };
        thread.Start();
    }

    public long Before { get; }

    public long Stop()
    {
        stopping = true;
        thread.Join();
        return Math.Max(peakResident, peakWasReset ? server.PeakResidentBytes : 0);
    }

    public void Dispose() => stopping = true;

    private void Sample()
    {
        while (!stopping)
        {
            try
            {
                peakResident = Math.Max(peakResident, server.ResidentBytes);
            }
            catch (IOException)
            {
                return;
            }

            Thread.Sleep(5);
        }
    }
}
