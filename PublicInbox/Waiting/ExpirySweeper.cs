using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>Marks overdue items expired even when no browser and no poller is asking (safe on every instance).</summary>
public sealed class ExpirySweeper(IServiceScopeFactory scopes, IOptions<InboxOptions> options, ILogger<ExpirySweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ItemStore>().ExpireOverdueAsync(null, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Expiry sweep failed; will try again in {Interval}", options.Value.SweepInterval);
            }
        }
    }
}
