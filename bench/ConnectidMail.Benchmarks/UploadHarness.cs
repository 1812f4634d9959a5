using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// A large file uploaded through the real API: the published portal runs as a child process (Production, SQLite, a
/// temp data folder, policy limits raised to fit) on 127.0.0.1, and a 1 GiB file generated on the fly (never held in
/// memory) is posted as multipart to <c>/api/v1/messages</c> with an API key. In the same run, interleaved, two
/// baselines: writing the same bytes to a file on the same disk, and a plain multipart upload to a trivial Kestrel
/// server that writes the file without encryption (<see cref="UploadSink"/>). The server's peak resident set during
/// each upload is compared with its level just before. Goal: under 64 MiB above it.
/// </summary>
internal static class UploadHarness
{
    private const long MiB = 1024 * 1024;
    private const long GoalBytes = 64 * MiB;
    private const int WriteSize = 64 * 1024;
    private const string Email = "upload-bench@example.com";

    public static async Task<int> RunAsync(string[] args)
    {
        var size = (Option(args, "--size-mib") is { } sizeText ? long.Parse(sizeText, CultureInfo.InvariantCulture) : 1024) * MiB;
        var runs = Option(args, "--runs") is { } runsText ? int.Parse(runsText, CultureInfo.InvariantCulture) : 3;
        var folder = Path.GetFullPath(Option(args, "--dir") ?? Path.GetTempPath());
        var appFolder = Option(args, "--app");

        // The largest moment: one uploaded blob (ciphertext ≈ size) plus one baseline file, plus the published app.
        var required = (size * 2) + (512 * MiB);
        var free = new DriveInfo(folder).AvailableFreeSpace;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Machine: {Environment.ProcessorCount} cores, {TotalMemoryMib():N0} MiB memory; free space in {folder}: {free / MiB:N0} MiB"));
        if (free < required)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SKIPPED: the upload benchmark needs {required / MiB:N0} MiB free in {folder} (use --dir PATH for another disk)."));
            return 0;
        }

        var work = Path.Combine(folder, $"connectidmail-upload-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            return await RunInAsync(work, appFolder, size, runs);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            Console.Error.WriteLine($"removed {work}");
        }
    }

    private static async Task<int> RunInAsync(string work, string? appFolder, long size, int runs)
    {
        if (appFolder is null)
        {
            appFolder = Path.Combine(work, "app");
            Console.Error.WriteLine($"publishing the portal to {appFolder} …");
            var publish = await RunToEndAsync(new ProcessStartInfo("dotnet")
            {
                ArgumentList = { "publish", Path.Combine(RepositoryRoot(), "src", "ConnectidMail.Web", "ConnectidMail.Web.csproj"), "-c", "Release", "-o", appFolder, "--nologo", "-v", "q", "--disable-build-servers" },
            });
            if (publish.ExitCode != 0)
            {
                Console.Error.WriteLine(publish.Output);
                return 2;
            }
        }

        var dataPath = Path.Combine(work, "data");
        var portalStart = PortalStartInfo(appFolder, work, dataPath, size);
        using var portal = new ChildServer(portalStart.Start, portalStart.BaseAddress);
        await portal.WaitUntilReadyAsync("/health/ready");
        var apiKey = await CreateApiKeyAsync(appFolder, portalStart.Start);

        var sinkAddress = new Uri($"http://127.0.0.1:{FreeTcpPort()}");
        using var sink = new ChildServer(SinkStartInfo(sinkAddress, Path.Combine(work, "sink")), sinkAddress);
        await sink.WaitUntilReadyAsync("/ready");

        try
        {
            return await MeasureAsync(portal, sink, apiKey, work, dataPath, size, runs);
        }
        catch
        {
            Console.Error.WriteLine($"portal output:\n{portal.Output}\nplain upload server output:\n{sink.Output}");
            throw;
        }
    }

    private static async Task<int> MeasureAsync(ChildServer portal, ChildServer sink, string apiKey, string work, string dataPath, long size, int runs)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var blobs = Path.Combine(dataPath, "blobs");

        // Warm-up: JIT, thread pool, AES paths and the database in both servers.
        await UploadAsync(client, new Uri(portal.BaseAddress, "/api/v1/messages"), 64 * MiB, expectCreated: true);
        var contentLength = await UploadAsync(client, new Uri(sink.BaseAddress, "/upload"), 64 * MiB, expectCreated: false);
        Console.WriteLine($"Request framing: {(string.IsNullOrEmpty(contentLength) ? "chunked" : "Content-Length " + contentLength)} (64 MiB warm-up upload).");
        DeleteFiles(blobs);
        DeleteFiles(Path.Combine(work, "sink"));

        var disk = new List<double>();
        var plain = new List<Sample>();
        var plainLarge = new List<Sample>();
        var api = new List<Sample>();
        string? lastAttachment = null;
        for (var run = 1; run <= runs; run++)
        {
            disk.Add(WriteFile(Path.Combine(work, "baseline.bin"), size));
            plain.Add(await MeasureUploadAsync(sink, client, new Uri(sink.BaseAddress, "/upload"), size, expectCreated: false));
            DeleteFiles(Path.Combine(work, "sink"));
            plainLarge.Add(await MeasureUploadAsync(sink, client, new Uri(sink.BaseAddress, "/upload?buffer=65536"), size, expectCreated: false));
            DeleteFiles(Path.Combine(work, "sink"));
            var upload = await MeasureUploadAsync(portal, client, new Uri(portal.BaseAddress, "/api/v1/messages"), size, expectCreated: true);
            api.Add(upload);
            lastAttachment = upload.AttachmentId;
            if (run < runs)
            {
                DeleteFiles(blobs);
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: disk {disk[^1]:N0} MiB/s, plain HTTP {plain[^1].MibPerSecond:N0} MiB/s (64 KiB multipart buffer {plainLarge[^1].MibPerSecond:N0} MiB/s), portal {upload.MibPerSecond:N0} MiB/s, portal peak +{upload.PeakAbove / (double)MiB:N1} MiB"));
        }

        // The last upload read back: proves the bytes went through intact, and measures the download's memory too.
        var expected = SHA256.HashData(new GeneratedPlaintextStream(size));
        var download = await MeasureDownloadAsync(portal, client, new Uri(portal.BaseAddress, $"/api/v1/attachments/{lastAttachment}"), size, expected);
        var blobBytes = Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".incoming", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length);
        DeleteFiles(blobs);

        Print(size, disk, plain, plainLarge, api, download, blobBytes);
        var flat = api.TrueForAll(s => s.PeakAbove < GoalBytes) && download.PeakAbove < GoalBytes;
        return flat && download.Verified ? 0 : 1;
    }

    private static async Task<Sample> MeasureUploadAsync(ChildServer server, HttpClient client, Uri address, long size, bool expectCreated)
    {
        await Task.Delay(500);
        using var sampler = new ChildPeakSampler(server);
        var stopwatch = Stopwatch.StartNew();
        var attachment = await UploadAsync(client, address, size, expectCreated);
        stopwatch.Stop();
        var peak = sampler.Stop();
        return new Sample(size / (double)MiB / stopwatch.Elapsed.TotalSeconds, stopwatch.Elapsed, sampler.Before, peak, peak - sampler.Before, attachment, true);
    }

    private static async Task<string?> UploadAsync(HttpClient client, Uri address, long size, bool expectCreated)
    {
        var file = new GeneratedContent(size);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"to":["recipient@example.com"],"subject":"Upload benchmark","body":"A large file."}"""), "message" },
            { file, "files", "large.bin" },
        };
        using var response = await client.PostAsync(address, form);
        var text = await response.Content.ReadAsStringAsync();
        var wanted = expectCreated ? HttpStatusCode.Created : HttpStatusCode.OK;
        if (response.StatusCode != wanted)
        {
            throw new InvalidOperationException($"POST {address} answered {(int)response.StatusCode}: {text}");
        }

        if (!expectCreated)
        {
            // The sink answers with the request's Content-Length, to show whether the upload was chunked.
            return JsonDocument.Parse(text).RootElement.GetProperty("contentLength").ToString();
        }

        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("attachments")[0].GetProperty("id").GetString();
    }

    private static async Task<Sample> MeasureDownloadAsync(ChildServer server, HttpClient client, Uri address, long size, byte[] expected)
    {
        await Task.Delay(500);
        using var sampler = new ChildPeakSampler(server);
        var stopwatch = Stopwatch.StartNew();
        using var response = await client.GetAsync(address, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var hash = await SHA256.HashDataAsync(body);
        stopwatch.Stop();
        var peak = sampler.Stop();
        var verified = hash.AsSpan().SequenceEqual(expected) && response.Content.Headers.ContentLength == size;
        return new Sample(size / (double)MiB / stopwatch.Elapsed.TotalSeconds, stopwatch.Elapsed, sampler.Before, peak, peak - sampler.Before, null, verified);
    }

    /// <summary>The disk baseline: the same bytes, the same 64 KiB writes, flushed to disk as the blob store does.</summary>
    private static double WriteFile(string path, long size)
    {
        var buffer = new byte[WriteSize];
        var source = new GeneratedPlaintextStream(size);
        var stopwatch = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            int read;
            while ((read = source.Read(buffer)) > 0)
            {
                file.Write(buffer, 0, read);
            }

            file.Flush(flushToDisk: true);
        }

        stopwatch.Stop();
        File.Delete(path);
        return size / (double)MiB / stopwatch.Elapsed.TotalSeconds;
    }

    private static (ProcessStartInfo Start, Uri BaseAddress) PortalStartInfo(string appFolder, string work, string dataPath, long size)
    {
        var address = new Uri($"http://127.0.0.1:{FreeTcpPort()}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = appFolder };
        start.ArgumentList.Add(Path.Combine(appFolder, "ConnectidMail.Web.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataPath"] = dataPath;
        start.Environment["Keys__MasterKeyFile"] = Path.Combine(work, "keys", "master.key");
        start.Environment["Mail__Smtp__Host"] = "127.0.0.1";
        start.Environment["Mail__Smtp__Port"] = FreeTcpPort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Policy__MaxFileBytes"] = size.ToString(CultureInfo.InvariantCulture);
        start.Environment["Policy__MaxMessageBytes"] = size.ToString(CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return (start, address);
    }

    private static ProcessStartInfo SinkStartInfo(Uri address, string folder)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(UploadHarness).Assembly.Location);
        }

        foreach (var argument in new[] { "upload-sink", "--url", address.ToString(), "--dir", folder })
        {
            start.ArgumentList.Add(argument);
        }

        // The same garbage collector as the portal (ASP.NET Core apps default to Server GC), so memory compares.
        start.Environment["DOTNET_gcServer"] = "1";
        return start;
    }

    private static async Task<string> CreateApiKeyAsync(string appFolder, ProcessStartInfo portal)
    {
        var user = await AdminAsync(appFolder, portal, "create-user", "--email", Email, "--role", "Sender", "--password", "an upload benchmark password");
        var key = await AdminAsync(appFolder, portal, "create-api-key", "--email", Email, "--name", "upload benchmark");
        if (user.ExitCode != 0 || key.ExitCode != 0)
        {
            throw new InvalidOperationException($"admin failed:\n{user.Output}\n{key.Output}");
        }

        return key.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    private static Task<(int ExitCode, string Output)> AdminAsync(string appFolder, ProcessStartInfo portal, params string[] command)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = appFolder };
        start.ArgumentList.Add(Path.Combine(appFolder, "ConnectidMail.Web.dll"));
        start.ArgumentList.Add("admin");
        foreach (var argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in portal.Environment)
        {
            start.Environment[key] = value;
        }

        return RunToEndAsync(start);
    }

    /// <summary>Runs a process to its end; the output is standard output, plus standard error when it failed.</summary>
    private static async Task<(int ExitCode, string Output)> RunToEndAsync(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var standardOutput = await output;
        var standardError = await error;
        return (process.ExitCode, process.ExitCode == 0 ? standardOutput : standardOutput + standardError);
    }

    private static void Print(long size, List<double> disk, List<Sample> plain, List<Sample> plainLarge, List<Sample> api, Sample download, long blobBytes)
    {
        static string Mib(long bytes) => (bytes / (double)MiB).ToString("N1", CultureInfo.InvariantCulture);
        static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        static string Ratio(double value) => value.ToString("N2", CultureInfo.InvariantCulture);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{size / MiB:N0} MiB per upload, {api.Count} runs, interleaved (disk, plain HTTP, plain HTTP with a 64 KiB multipart buffer, portal) per run."));
        Console.WriteLine();
        Console.WriteLine("| run | disk write (MiB/s) | plain HTTP → disk (MiB/s) | plain HTTP, 64 KiB multipart buffer (MiB/s) | portal API (MiB/s) | portal RSS before (MiB) | portal peak RSS (MiB) | portal peak above before (MiB) | plain HTTP peak above before (MiB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < api.Count; i++)
        {
            Console.WriteLine($"| {i + 1} | {Rate(disk[i])} | {Rate(plain[i].MibPerSecond)} | {Rate(plainLarge[i].MibPerSecond)} | {Rate(api[i].MibPerSecond)} | {Mib(api[i].Before)} | {Mib(api[i].Peak)} | {Mib(api[i].PeakAbove)} | {Mib(plain[i].PeakAbove)} |");
        }

        var diskMedian = Median(disk);
        var plainMedian = Median(plain.Select(s => s.MibPerSecond));
        var plainLargeMedian = Median(plainLarge.Select(s => s.MibPerSecond));
        var apiMedian = Median(api.Select(s => s.MibPerSecond));
        var peakMedian = Median(api.Select(s => (double)s.PeakAbove));
        var peakMax = api.Max(s => s.PeakAbove);
        Console.WriteLine($"| **median** | **{Rate(diskMedian)}** | **{Rate(plainMedian)}** | **{Rate(plainLargeMedian)}** | **{Rate(apiMedian)}** | | | **{Mib((long)peakMedian)}** (max {Mib(peakMax)}) | {Mib((long)Median(plain.Select(s => (double)s.PeakAbove)))} |");
        Console.WriteLine();
        Console.WriteLine($"Ratios of medians: portal ÷ disk write = {Ratio(apiMedian / diskMedian)}; portal ÷ plain HTTP upload = {Ratio(apiMedian / plainMedian)}; plain HTTP ÷ disk write = {Ratio(plainMedian / diskMedian)}; plain HTTP with 64 KiB ÷ 4 KiB multipart buffer = {Ratio(plainLargeMedian / plainMedian)}.");
        Console.WriteLine($"Portal memory goal (peak < 64 MiB above before, every run): {(peakMax < GoalBytes ? "met" : "MISSED")}.");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Download of the last upload: {Rate(download.MibPerSecond)} MiB/s, peak +{Mib(download.PeakAbove)} MiB, SHA-256 {(download.Verified ? "equal" : "DIFFERENT")}; blob {blobBytes:N0} bytes."));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void DeleteFiles(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }
    }

    private static long TotalMemoryMib() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / MiB;

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    /// <summary>
    /// A generated file as request content whose length is known, so the multipart request carries a Content-Length
    /// (as curl -F and browsers send it) instead of being chunked; written in 64 KiB writes.
    /// </summary>
    private sealed class GeneratedContent(long size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var source = new GeneratedPlaintextStream(size);
            var buffer = new byte[WriteSize];
            int read;
            while ((read = source.Read(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return true;
        }
    }

    private sealed record Sample(double MibPerSecond, TimeSpan Elapsed, long Before, long Peak, long PeakAbove, string? AttachmentId, bool Verified);
}
