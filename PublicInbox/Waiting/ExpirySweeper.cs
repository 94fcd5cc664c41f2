using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>
/// Marks overdue items expired even when no browser and no poller is asking, and clears login tickets nobody came for
/// (safe on every instance).
/// </summary>
public sealed class ExpirySweeper(IServiceScopeFactory scopes, IOptions<InboxOptions> options, ILogger<ExpirySweeper> logger) : BackgroundService
{
    /// <summary>How often tickets the browser never came for are cleared (see <see cref="ItemStore.ClearExpiredTicketsAsync"/>).</summary>
    public static readonly TimeSpan TicketSweepInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        var nextTicketSweep = DateTime.MinValue;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var items = scope.ServiceProvider.GetRequiredService<ItemStore>();
                await items.ExpireOverdueAsync(null, stoppingToken);
                // Note: unused tickets are cleared at most every TicketSweepInterval: a ticket is long dead by then
                // anyway, and the scan covers a day of finished items.
                if (items.UtcNow >= nextTicketSweep)
                {
                    nextTicketSweep = items.UtcNow + (options.Value.TicketUrlLifetime < TicketSweepInterval ? options.Value.TicketUrlLifetime : TicketSweepInterval);
                    await items.ClearExpiredTicketsAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Expiry sweep failed; will try again in {Interval}", options.Value.SweepInterval);
            }
        }
    }
}
