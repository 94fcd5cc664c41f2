using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>Delivers due push messages (<see cref="OutboxDelivery"/>) every <c>Push:Interval</c>.</summary>
[DisallowConcurrentExecution]
public sealed class DeliverOutboxJob(
    IServiceScopeFactory scopes,
    IOptionsMonitor<PushOptions> options,
    ILogger<DeliverOutboxJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("deliver-outbox", "push");

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<OutboxDelivery>().RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; not refired. A claimed message is due again when its lease ends.
        }
        catch (Exception ex)
        {
            // Note: the database or WeChat may be down for a while; the next run tries again.
            logger.LogWarning("Delivering push messages failed: {Reason}", ex.Message);
        }
    }
}
