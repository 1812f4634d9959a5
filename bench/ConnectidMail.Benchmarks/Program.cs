using BenchmarkDotNet.Running;
using ConnectidMail.Benchmarks;

// `-- memory [--dir PATH]` runs the peak-memory harness; `-- upload [--runs N] [--size-mib N] [--dir PATH] [--app PATH]`
// the 1 GiB upload through the portal's API (`upload-sink` is its baseline server, started by it); anything else goes
// to BenchmarkDotNet; `-- audit-appends [--writers N] [--events-each N] [--postgres CS]` audit appends per second;
// `-- throughput [--rounds N]` runs the streaming benchmarks interleaved (see its summary) (e.g. `-- --filter *Streaming*`);
// `-- report [--events N] [--runs N] [--dir PATH]` the PDF evidence report over N (default 100,000) audit events;
// `-- --filter *AuditHashing*` an audit event's hash, member by member against the JSON tree it replaced.
if (args is ["memory", .. var rest])
{
    return MemoryHarness.Run(rest);
}

if (args is ["upload", .. var uploadArgs])
{
    return await UploadHarness.RunAsync(uploadArgs);
}

if (args is ["throughput", .. var throughputArgs])
{
    return await InterleavedThroughputHarness.RunAsync(throughputArgs);
}

if (args is ["report", .. var reportArgs])
{
    return await ReportHarness.RunAsync(reportArgs);
}

if (args is ["report-seed", .. var seedArgs])
{
    return await ReportHarness.SeedAsync(seedArgs);
}

if (args is ["audit-appends", .. var auditArgs])
{
    return await AuditAppendHarness.RunAsync(auditArgs);
}

if (args is ["upload-sink", .. var sinkArgs])
{
    return UploadSink.Run(sinkArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(StreamingThroughputBenchmarks).Assembly).Run(args);
return 0;
