using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ConnectidMail.Crypto;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// Peak memory while streaming: 256 MiB encrypted and decrypted in memory, then once a 1 GiB file on disk.
/// Goal: the peak resident set stays under 32 MiB above the level measured just before each phase.
/// Each phase runs on this thread, so its allocations are counted for this thread alone (the sampler allocates too).
/// </summary>
internal static class MemoryHarness
{
    private const long MiB = 1024 * 1024;
    private const long InMemoryBytes = 256 * MiB;
    private const long FileBytes = 1024 * MiB;
    private const long RequiredFreeBytes = 3 * 1024 * MiB;
    private const long GoalBytes = 32 * MiB;
    private const int CopyBufferSize = 81920;
    private static readonly Guid AttachmentId = Guid.Parse("0b6f4e1a-6f43-4d7e-8d8f-3a9f6a2c1b02");

    public static int Run(string[] args)
    {
        var folder = args is ["--dir", var dir, ..] ? Path.GetFullPath(dir) : Path.GetTempPath();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var results = new List<PhaseResult>();

        // Warm up: JIT, thread pool and AES-NI paths, so the baseline is the steady state of a running server.
        Measure("warm-up", 8 * MiB, () => EncryptGenerated(8 * MiB, Stream.Null, dataKey));
        Measure("warm-up", 8 * MiB, () => DecryptToNull(new GeneratedCiphertextStream(8 * MiB, dataKey, AttachmentId), dataKey));
        var processBaseline = ReadResidentBytes();

        results.Add(Measure("encrypt 256 MiB, generated → Stream.Null", InMemoryBytes,
            () => EncryptGenerated(InMemoryBytes, Stream.Null, dataKey)));
        results.Add(Measure("decrypt 256 MiB, generated ciphertext → Stream.Null", InMemoryBytes,
            () => DecryptToNull(new GeneratedCiphertextStream(InMemoryBytes, dataKey, AttachmentId), dataKey)));

        var free = new DriveInfo(folder).AvailableFreeSpace;
        var diskNote = $"free space in {folder}: {free / MiB:N0} MiB";
        if (free < RequiredFreeBytes)
        {
            diskNote += $" — less than {RequiredFreeBytes / MiB:N0} MiB, so the 1 GiB file run was SKIPPED.";
        }
        else
        {
            results.AddRange(RunOnDisk(folder, dataKey));
        }

        Print(processBaseline, results, diskNote);
        return results.TrueForAll(r => r.PeakAboveBefore < GoalBytes && r.Verified) ? 0 : 1;
    }

    private static IEnumerable<PhaseResult> RunOnDisk(string folder, byte[] dataKey)
    {
        var work = Path.Combine(folder, $"connectidmail-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        var plainPath = Path.Combine(work, "plain.bin");
        var encryptedPath = Path.Combine(work, "plain.bin.enc");
        var decryptedPath = Path.Combine(work, "plain.bin.out");
        var results = new List<PhaseResult>();
        try
        {
            byte[] expectedHash;
            using (var plain = OpenWrite(plainPath))
            using (var hashing = new HashingWriteStream(plain))
            {
                new GeneratedPlaintextStream(FileBytes).CopyTo(hashing, CopyBufferSize);
                expectedHash = hashing.Hash();
            }

            results.Add(Measure("encrypt 1 GiB file → file", FileBytes, () =>
            {
                using var source = OpenRead(plainPath);
                using var destination = OpenWrite(encryptedPath);
                using var encrypting = AttachmentCipher.CreateEncryptingStream(destination, dataKey, AttachmentId);
                source.CopyTo(encrypting, CopyBufferSize);
                encrypting.Complete();
                return true;
            }));

            var decrypt = Measure("decrypt 1 GiB file → file", FileBytes, () =>
            {
                using var decrypting = AttachmentCipher.CreateDecryptingStream(OpenRead(encryptedPath), dataKey, AttachmentId);
                using var destination = OpenWrite(decryptedPath);
                decrypting.CopyTo(destination, CopyBufferSize);
                return true;
            });

            using (var decrypted = OpenRead(decryptedPath))
            {
                var matches = SHA256.HashData(decrypted).AsSpan().SequenceEqual(expectedHash);
                results.Add(decrypt with { Verified = matches });
            }

            Console.Error.WriteLine($"ciphertext file: {new FileInfo(encryptedPath).Length:N0} bytes");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            Console.Error.WriteLine($"removed {work}");
        }

        return results;
    }

    private static PhaseResult Measure(string name, long bytes, Func<bool> phase)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var canResetPeak = TryResetPeakResident();
        var before = ReadResidentBytes();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);

        using var sampler = new PeakSampler();
        var stopwatch = Stopwatch.StartNew();
        var verified = phase();
        stopwatch.Stop();
        var sampled = sampler.Stop();

        var peakResident = Math.Max(sampled.PeakResident, canResetPeak ? ReadPeakResidentBytes() : 0);
        return new PhaseResult(
            name,
            before,
            peakResident,
            peakResident - before,
            sampled.PeakHeap - heapBefore,
            GC.GetAllocatedBytesForCurrentThread() - allocatedBefore,
            bytes / MiB / stopwatch.Elapsed.TotalSeconds,
            verified,
            canResetPeak ? "VmHWM + sampling" : "sampling");
    }

    private static bool EncryptGenerated(long length, Stream destination, byte[] dataKey)
    {
        using var encrypting = AttachmentCipher.CreateEncryptingStream(destination, dataKey, AttachmentId, leaveOpen: true);
        new GeneratedPlaintextStream(length).CopyTo(encrypting, CopyBufferSize);
        encrypting.Complete();
        return encrypting.PlaintextLength == length;
    }

    private static bool DecryptToNull(GeneratedCiphertextStream source, byte[] dataKey)
    {
        using var decrypting = AttachmentCipher.CreateDecryptingStream(source, dataKey, AttachmentId);
        var counting = new CountingWriteStream();
        decrypting.CopyTo(counting, CopyBufferSize);
        return counting.Length == source.PlaintextLength;
    }

    private static FileStream OpenRead(string path)
        => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);

    private static FileStream OpenWrite(string path)
        => new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.SequentialScan);

    /// <summary>Linux: writing 5 to clear_refs resets the kernel's peak resident set (VmHWM) for this process.</summary>
    private static bool TryResetPeakResident()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static long ReadResidentBytes() => ReadStatusKilobytes("VmRSS:") ?? Environment.WorkingSet;

    private static long ReadPeakResidentBytes() => ReadStatusKilobytes("VmHWM:") ?? 0;

    private static long? ReadStatusKilobytes(string field)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kilobytes = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }

    private static void Print(long processBaseline, List<PhaseResult> results, string diskNote)
    {
        static string Mib(long bytes) => (bytes / (double)MiB).ToString("N1", CultureInfo.InvariantCulture);

        Console.WriteLine($"Process resident set after warm-up: {Mib(processBaseline)} MiB; {diskNote}");
        Console.WriteLine();
        Console.WriteLine("| phase | RSS before (MiB) | peak RSS (MiB) | peak above before (MiB) | peak managed heap growth (MiB) | allocated by the streaming thread (MiB) | MiB/s | result ok | goal < 32 MiB | peak from |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {Mib(r.ResidentBefore)} | {Mib(r.PeakResident)} | {Mib(r.PeakAboveBefore)} | {Mib(r.PeakHeapGrowth)} | {Mib(r.Allocated)} | {r.MibPerSecond:N0} | {(r.Verified ? "yes" : "NO")} | {(r.PeakAboveBefore < GoalBytes ? "met" : "MISSED")} | {r.PeakSource} |"));
        }
    }

    private sealed record PhaseResult(
        string Name,
        long ResidentBefore,
        long PeakResident,
        long PeakAboveBefore,
        long PeakHeapGrowth,
        long Allocated,
        double MibPerSecond,
        bool Verified,
        string PeakSource);

    /// <summary>Samples the resident set and managed heap every 5 ms on a thread of its own.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Thread thread;
        private volatile bool stopping;
        private long peakResident;
        private long peakHeap;

        public PeakSampler()
        {
            thread = new Thread(Sample) { IsBackground = true, Name = "peak sampler" };
            thread.Start();
        }

        public (long PeakResident, long PeakHeap) Stop()
        {
            stopping = true;
            thread.Join();
            return (peakResident, peakHeap);
        }

        public void Dispose()
        {
            stopping = true;
        }

        private void Sample()
        {
            while (!stopping)
            {
                peakResident = Math.Max(peakResident, ReadResidentBytes());
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                Thread.Sleep(5);
            }
        }
    }
}
