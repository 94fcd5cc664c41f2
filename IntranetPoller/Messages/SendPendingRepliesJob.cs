using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>
/// Retries customer-service sends that failed transiently (<c>weixin_messages.status = pending_send</c>), each when
/// its backoff is over, until <c>Messages:SendAttempts</c> is reached. Runs every <c>Messages:SendRetryInterval</c>.
/// </summary>
[DisallowConcurrentExecution]
public sealed class SendPendingRepliesJob(
    IServiceScopeFactory scopes,
    IOptionsMonitor<MessagesOptions> options,
    ILogger<SendPendingRepliesJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("send-pending-replies", "messages");

    /// <summary>Most sends in one run.</summary>
    public const int MaxPerRun = 50;

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.IsEnabled)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<MessageStore>();
            foreach (var key in await store.DueSendsAsync(MaxPerRun, cancellationToken))
            {
                // Note: another poller's job may have taken the same row since the list was read.
                if (!await store.TryClaimDueSendAsync(key, CustomerServiceSender.AttemptHold, cancellationToken))
                {
                    continue;
                }

                await using var sendScope = scopes.CreateAsyncScope();
                await sendScope.ServiceProvider.GetRequiredService<CustomerServiceSender>().AttemptAsync(key, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; a claimed row is due again when its hold ends.
        }
        catch (Exception ex)
        {
            logger.LogWarning("Retrying customer-service sends failed: {Reason}", ex.Message);
        }
    }
}
