using ConnectidMail.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectidMail.Audit;

/// <summary>
/// Makes checkpoints when they are due (<see cref="AuditCheckpoints.IsDueAsync"/>), looking every few seconds; every
/// portal instance runs one, and the append lock lets only one of them sign a given head.
/// </summary>
internal sealed class AuditCheckpointWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<AuditCheckpointWorker> logger) : BackgroundService
{
    /// <summary>How often it looks; events come from every instance and the CLI, so a look is cheaper than a wake-up.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ready = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    // A database migrated by the migrate command (PostgreSQL) may lag behind the start.
                    ready = ready || !(await scope.ServiceProvider.GetRequiredService<ConnectidDbContext>().Database.GetPendingMigrationsAsync(stoppingToken)).Any();
                    if (ready)
                    {
                        await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().MakeIfDueAsync(stoppingToken);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // A database that is down must not stop the portal: try again at the next look.
                    logger.LogError(e, "Making an audit checkpoint failed; trying again in {Delay}", PollInterval);
                }

                await Task.Delay(PollInterval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The portal is stopping.
        }
    }
}
