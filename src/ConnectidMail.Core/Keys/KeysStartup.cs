using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Keys;

/// <summary>Creates the first KEK once the database holds every migration (after the start-up migration, which runs first).</summary>
internal sealed class KeysStartup(IServiceScopeFactory scopes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectidDbContext>();
        // A PostgreSQL database that waits for the migrate command gets its KEK from that command.
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            return;
        }

        await scope.ServiceProvider.GetRequiredService<KeyStore>().EnsureKeyEncryptionKeyAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
