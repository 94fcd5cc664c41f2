using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// One run of the delivery: claims due messages in batches (within <c>Push:MaxPerMinute</c>) and sends up to
/// <c>Push:MaxConcurrency</c> at once, until nothing is due or <c>Push:RunBudget</c> is used up.
/// </summary>
public sealed class OutboxDelivery(
    IServiceScopeFactory scopes,
    IOptionsMonitor<PushOptions> options,
    OutboxPause pause,
    TimeProvider time,
    ILogger<OutboxDelivery> logger)
{
    /// <summary>Runs until nothing is due, the per-minute limit is reached, or the budget is spent; returns the attempts made.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var started = time.GetTimestamp();
        var attempts = 0;
        while (pause.Until is null && time.GetElapsedTime(started) < settings.RunBudget)
        {
            // Note: a fresh claim id per batch, so a write from an attempt that outlived its lease never lands on a
            // row this instance claimed again since.
            var claim = $"{settings.InstanceId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
            List<Data.OutboxMessage> batch;
            await using (var scope = scopes.CreateAsyncScope())
            {
                batch = await scope.ServiceProvider.GetRequiredService<OutboxStore>()
                    .ClaimAsync(claim, settings.BatchSize, settings.MaxPerMinute, settings.LeaseDuration, cancellationToken);
            }

            if (batch.Count == 0)
            {
                break;
            }

            logger.LogDebug("Claimed {Count} push messages as {Claim}", batch.Count, claim);
            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken },
                async (message, token) =>
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var outcome = await scope.ServiceProvider.GetRequiredService<OutboxSender>().DeliverAsync(message, claim, token);
                    PushMetrics.Attempts.WithLabels(outcome).Inc();
                });
            attempts += batch.Count;
        }

        return attempts;
    }
}
