using BenchmarkDotNet.Running;
using ConnectidMail.Benchmarks;

// `-- memory [--dir PATH]` runs the peak-memory harness; anything else goes to BenchmarkDotNet
// (e.g. `-- --filter *Streaming*`).
if (args is ["memory", .. var rest])
{
    return MemoryHarness.Run(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(StreamingThroughputBenchmarks).Assembly).Run(args);
return 0;
