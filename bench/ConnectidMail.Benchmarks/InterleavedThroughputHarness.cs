using System.Diagnostics;
using System.Globalization;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// The methods of <see cref="StreamingThroughputBenchmarks"/> run interleaved: every round times one 16 MiB operation of
/// each method, one after the other, and a method's ratio is taken against its category's baseline in the same round.
/// On a shared machine whose load changes by the second this pairs each measurement with a baseline taken
/// milliseconds apart, which BenchmarkDotNet's method-after-method runs cannot. Reported: median time per method, the
/// throughput from it, and the median of the per-round throughput ratios (baseline time ÷ method time); also the best
/// (least disturbed) time of each method and the ratio of best times.
/// </summary>
internal static class InterleavedThroughputHarness
{
    private const double MiB = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var index = Array.IndexOf(args, "--rounds");
        var rounds = index >= 0 ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : 100;
        var benchmarks = new StreamingThroughputBenchmarks();
        benchmarks.Setup();
        (string Category, string Name, Func<Task> Run)[] methods =
        [
            ("Encrypt", "Raw AesGcm encrypt (baseline)", () => Sync(benchmarks.RawEncrypt)),
            ("Encrypt", "Raw AesGcm encrypt + Stream.Write", () => Sync(benchmarks.RawEncryptWithStreamWrites)),
            ("Encrypt", "Streaming encrypt", () => Sync(benchmarks.StreamingEncrypt)),
            ("Decrypt", "Raw AesGcm decrypt (baseline)", () => Sync(benchmarks.RawDecrypt)),
            ("Decrypt", "Raw AesGcm decrypt + Stream.Read", () => Sync(benchmarks.RawDecryptWithStreamReads)),
            ("Decrypt", "Streaming decrypt", () => Sync(benchmarks.StreamingDecrypt)),
            ("Decrypt", "Random-access decrypt, whole file", () => Sync(benchmarks.RandomAccessDecrypt)),
            ("Decrypt", "Random-access decrypt, whole file, ReadAsync", benchmarks.RandomAccessDecryptAsync),
        ];

        // Warm-up: tiered JIT up to its optimised code.
        for (var i = 0; i < 30; i++)
        {
            foreach (var method in methods)
            {
                await method.Run();
            }
        }

        var times = methods.Select(_ => new List<double>()).ToArray();
        var ratios = methods.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var roundTimes = new double[methods.Length];

            // Rotate the starting method every round, so no method always runs right after the same neighbour.
            for (var k = 0; k < methods.Length; k++)
            {
                var m = (k + round) % methods.Length;
                var stopwatch = Stopwatch.StartNew();
                await methods[m].Run();
                roundTimes[m] = stopwatch.Elapsed.TotalMilliseconds;
            }

            for (var m = 0; m < methods.Length; m++)
            {
                var baseline = Array.FindIndex(methods, x => x.Category == methods[m].Category);
                times[m].Add(roundTimes[m]);
                ratios[m].Add(roundTimes[baseline] / roundTimes[m]);
            }
        }

        benchmarks.Cleanup();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rounds} interleaved rounds of {StreamingThroughputBenchmarks.DataSize / MiB:N0} MiB per method; {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine("| method | category | median time (ms) | MiB/s (median) | ratio to raw (median of per-round ratios) | p25–p75 of the ratio | best time (ms) | ratio of best times |");
        Console.WriteLine("|---|---|---:|---:|---:|---|---:|---:|");
        for (var m = 0; m < methods.Length; m++)
        {
            var median = Percentile(times[m], 0.5);
            var baseline = Array.FindIndex(methods, x => x.Category == methods[m].Category);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {methods[m].Name} | {methods[m].Category} | {median:N3} | {StreamingThroughputBenchmarks.DataSize / MiB / (median / 1000):N0} | {Percentile(ratios[m], 0.5):N2} | {Percentile(ratios[m], 0.25):N2}–{Percentile(ratios[m], 0.75):N2} | {times[m].Min():N3} | {times[baseline].Min() / times[m].Min():N2} |"));
        }

        return 0;
    }

    private static Task Sync(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var position = p * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
    }
}
