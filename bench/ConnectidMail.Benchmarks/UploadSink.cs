using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ConnectidMail.Benchmarks;

/// <summary>
/// The upload baseline server (<c>upload-sink --url URL --dir DIR</c>): Kestrel, a <see cref="MultipartReader"/> and a
/// file written the way the portal's blob store writes one (asynchronous FileStream, 64 KiB writes, flushed to disk),
/// but no encryption, no authentication, no database.
/// </summary>
internal static class UploadSink
{
    public static int Run(string[] args)
    {
        var url = Argument(args, "--url") ?? throw new ArgumentException("--url is required.");
        var folder = Argument(args, "--dir") ?? throw new ArgumentException("--dir is required.");
        Directory.CreateDirectory(folder);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.MapGet("/ready", () => "ok");
        app.MapPost("/upload", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
            // ?buffer=N sets MultipartReader's buffer (default 4 KiB), which caps what one section read returns.
            var reader = int.TryParse(request.Query["buffer"], out var bufferSize)
                ? new MultipartReader(boundary, request.Body, bufferSize)
                : new MultipartReader(boundary, request.Body);
            long total = 0;
            var buffer = new byte[64 * 1024];
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var path = Path.Combine(folder, Guid.NewGuid().ToString("N"));
                await using var file = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    Options = FileOptions.Asynchronous,
                });
                int read;
                while ((read = await section.Body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    total += read;
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            return Results.Ok(new { total, request.ContentLength });
        });
        app.Run();
        return 0;
    }

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
