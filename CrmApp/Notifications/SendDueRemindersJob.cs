using Microsoft.Extensions.Options;
using Quartz;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>
/// Every <c>Notifications:ReminderPollInterval</c>: writes the message of each due reminder, then hands every waiting
/// message (reminders, and 「发送微信通知」 written during a gateway outage) to the gateway's outbox, and asks the
/// gateway where the messages still in its outbox stand (so 提醒发送中 turns 已提醒 on its own).
/// </summary>
[DisallowConcurrentExecution]
public sealed class SendDueRemindersJob(
    IServiceScopeFactory scopes,
    IOptions<NotificationOptions> options,
    ILogger<SendDueRemindersJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("send-due-reminders", "notifications");

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var sender = scope.ServiceProvider.GetRequiredService<NotificationSender>();
            var written = await sender.WriteDueRemindersAsync(options.Value.BatchSize, cancellationToken);
            var accepted = await sender.HandOverPendingAsync(options.Value.BatchSize, cancellationToken);
            if (options.Value.BackgroundStatusRefresh)
            {
                await sender.RefreshInFlightAsync(options.Value.BatchSize, cancellationToken);
            }
            if (written > 0 || accepted > 0)
            {
                logger.LogInformation("Reminders: {Written} due, {Accepted} notifications handed to the gateway", written, accepted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; whatever was not handed over is still pending and goes out on the next start.
        }
        catch (Exception ex)
        {
            // Note: a database hiccup must not stop the schedule; the next run starts over from the rows.
            logger.LogWarning(ex, "Sending due reminders failed: {Reason}", ex.Message);
        }
    }
}
