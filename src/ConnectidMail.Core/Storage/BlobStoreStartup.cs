using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Storage;

internal sealed class BlobStoreStartup(BlobStore blobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        blobs.RemoveLeftovers();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
