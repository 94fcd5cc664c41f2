using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>How a hand-over to the gateway ended.</summary>
public enum HandOverResult
{
    /// <summary>The gateway queued it (or already had it under the same key).</summary>
    Accepted,

    /// <summary>The gateway could not be asked; the message stays pending and the next job run tries again.</summary>
    GatewayUnavailable,

    /// <summary>The gateway said no (4xx); the message is failed with the reason.</summary>
    Refused,
}

/// <summary>A 「发送微信通知」 as its form was filled in: the text about a customer, from one employee to a bound colleague.</summary>
public sealed record ManualNotification(
    string? SubmissionId, int CustomerId, string CustomerName, string? Company, int RecipientId, string OpenId, int SenderId, string SenderName, string Text);

/// <summary>
/// Writes notifications and hands them to the gateway's outbox. Every message is written first (status
/// <see cref="NotificationStatuses.Pending"/>, payload and idempotency key fixed) and handed over second, so a
/// gateway outage or a crash in between only delays it: the next hand-over repeats the same request under the same
/// key, and the gateway answers the message it already queued instead of queueing a second.
/// </summary>
public sealed class NotificationSender(
    CrmDbContext db,
    IGatewayApi gateway,
    IOptions<NotificationOptions> options,
    IOptions<GatewayOptions> gatewayOptions,
    TimeProvider time,
    ILogger<NotificationSender> logger)
{
    /// <summary>Writes the message of every due reminder that has none yet (at most <paramref name="max"/>); returns how many.</summary>
    public async Task<int> WriteDueRemindersAsync(int max, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.Reminders.AsNoTracking()
            .Where(r => r.DueAt <= now && r.Notification == null)
            .OrderBy(r => r.DueAt).ThenBy(r => r.Id)
            .Take(max)
            .Select(r => new
            {
                r.Id, r.CustomerId, CustomerName = r.Customer!.Name, r.Customer.Company, r.AssigneeId,
                r.Assignee!.WeixinOpenId, r.DueAt, r.Note, r.CreatedAt, CreatedBy = r.CreatedBy!.DisplayName,
            })
            .ToListAsync(cancellationToken);

        var written = 0;
        foreach (var r in due)
        {
            var key = NotificationMessages.ReminderKey(r.Id, r.CreatedAt);
            var url = NotificationMessages.CustomerUrl(gatewayOptions.Value.PublicBaseUrl, r.CustomerId);
            var request = NotificationMessages.Reminder(key, r.WeixinOpenId ?? "", options.Value.GetFollowUpTemplate(), url, r.CustomerName, r.Company, r.DueAt, r.Note, r.CreatedBy);
            var notification = new WeixinNotification
            {
                Kind = NotificationKinds.Reminder,
                IdempotencyKey = key,
                CustomerId = r.CustomerId,
                RecipientId = r.AssigneeId,
                ReminderId = r.Id,
                OpenId = r.WeixinOpenId,
                Summary = r.Note,
                Payload = NotificationMessages.Serialize(request),
                CreatedAt = now,
                UpdatedAt = now,
            };
            if (r.WeixinOpenId is null)
            {
                // Note: recorded as failed, never sent: without a bound WeChat there is nobody to send to.
                notification.Status = NotificationStatuses.Failed;
                notification.LastError = GatewayReasons.Unbound;
            }

            db.Notifications.Add(notification);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                written++;
                logger.LogInformation("Reminder {ReminderId} is due: notification {NotificationId} for account {AccountId} written ({Status})",
                    r.Id, notification.Id, r.AssigneeId, notification.Status);
            }
            catch (DbUpdateException ex) when (IsDuplicateKey(ex))
            {
                // Note: another CRM instance wrote this reminder's message first; the unique reminder_id keeps it one.
                db.ChangeTracker.Clear();
                logger.LogInformation("Reminder {ReminderId} already has a notification (another instance)", r.Id);
            }
        }

        return written;
    }

    /// <summary>
    /// 「发送微信通知」: writes <paramref name="message"/> under its form's submission id, then hands it over. The result
    /// is null when that submission was written before (a double tap, a resubmitted page): the first one is the
    /// notification, nothing new is sent. <c>Reason</c> says why the gateway refused it.
    /// </summary>
    public async Task<(HandOverResult? Result, string? Reason)> SendManualAsync(ManualNotification message, CancellationToken cancellationToken)
    {
        var key = NotificationMessages.ManualKey(message.SubmissionId);
        if (await db.Notifications.AnyAsync(n => n.IdempotencyKey == key, cancellationToken))
        {
            return (null, null);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var url = NotificationMessages.CustomerUrl(gatewayOptions.Value.PublicBaseUrl, message.CustomerId);
        var request = NotificationMessages.Manual(key, message.OpenId, options.Value.GetFollowUpTemplate(), url,
            message.SenderName, message.CustomerName, message.Company, now, message.Text);
        var notification = new WeixinNotification
        {
            Kind = NotificationKinds.Manual,
            IdempotencyKey = key,
            CustomerId = message.CustomerId,
            RecipientId = message.RecipientId,
            SenderId = message.SenderId,
            OpenId = message.OpenId,
            Summary = message.Text,
            Payload = NotificationMessages.Serialize(request),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Notifications.Add(notification);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (IsDuplicateKey(ex))
        {
            // Note: two taps raced past the check above; the unique key let only one of them in.
            db.Entry(notification).State = EntityState.Detached;
            return (null, null);
        }

        logger.LogInformation("Notification {NotificationId} to account {AccountId} about customer {CustomerId} written",
            notification.Id, message.RecipientId, message.CustomerId);
        var result = await HandOverAsync(notification, cancellationToken);
        return (result, notification.LastError);
    }

    /// <summary>
    /// Hands pending notifications to the gateway, oldest first (at most <paramref name="max"/>); stops at the first
    /// sign of an outage, leaving the rest for the next run. Returns how many the gateway accepted.
    /// </summary>
    public async Task<int> HandOverPendingAsync(int max, CancellationToken cancellationToken)
    {
        var ids = await db.Notifications.AsNoTracking()
            .Where(n => n.Status == NotificationStatuses.Pending)
            .OrderBy(n => n.Id).Take(max).Select(n => n.Id)
            .ToListAsync(cancellationToken);
        var accepted = 0;
        foreach (var id in ids)
        {
            var notification = await db.Notifications.SingleOrDefaultAsync(n => n.Id == id && n.Status == NotificationStatuses.Pending, cancellationToken);
            if (notification is null)
            {
                continue;
            }

            var result = await HandOverAsync(notification, cancellationToken);
            if (result == HandOverResult.GatewayUnavailable)
            {
                // Note: the rest are not tried against a gateway that just refused the connection, but the list says why they wait.
                var rest = ids.SkipWhile(other => other != id).Skip(1).ToList();
                await db.Notifications.Where(n => rest.Contains(n.Id) && n.Status == NotificationStatuses.Pending)
                    .ExecuteUpdateAsync(set => set.SetProperty(n => n.LastError, GatewayReasons.Unavailable), cancellationToken);
                break;
            }

            accepted += result == HandOverResult.Accepted ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>Asks the gateway to queue one pending notification (tracked by this context) and records the answer.</summary>
    public async Task<HandOverResult> HandOverAsync(WeixinNotification notification, CancellationToken cancellationToken)
    {
        var request = NotificationMessages.Deserialize(notification.Payload);
        HandOverResult result;
        try
        {
            var status = await gateway.SendMessageAsync(request, cancellationToken);
            Apply(notification, status);
            logger.LogInformation("Notification {NotificationId} handed to the gateway as message {MessageId} ({Status})",
                notification.Id, status.Id, status.Status);
            result = HandOverResult.Accepted;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogWarning("Notification {NotificationId} waits: gateway unavailable ({Reason}); the next run retries", notification.Id, ex.Message);
            notification.LastError = GatewayReasons.Unavailable;
            notification.UpdatedAt = time.GetUtcNow().UtcDateTime;
            result = HandOverResult.GatewayUnavailable;
        }
        catch (ApiException ex)
        {
            notification.Status = NotificationStatuses.Failed;
            notification.LastError = GatewayReasons.Refused(ex);
            notification.UpdatedAt = time.GetUtcNow().UtcDateTime;
            logger.LogWarning("Notification {NotificationId} refused by the gateway ({StatusCode}): {Problem}", notification.Id, (int)ex.StatusCode, ex.Content);
            result = HandOverResult.Refused;
        }

        // Note: not the request's token: the answer is recorded even when the page that asked has gone away.
        await db.SaveChangesAsync(CancellationToken.None);
        return result;
    }

    /// <summary>
    /// The reminder job's background refresh: asks the gateway about up to <paramref name="max"/> messages it accepted
    /// and has not finished (queued or sending), oldest first, so a reminder turns 已提醒 without anyone pressing
    /// 「刷新状态」. Returns how many were asked about.
    /// </summary>
    public async Task<int> RefreshInFlightAsync(int max, CancellationToken cancellationToken)
    {
        // Note: only rows the gateway accepted and has not settled; final rows never change again, so this stays
        // a handful of GETs per run however many notifications the CRM has sent.
        var inFlight = await db.Notifications
            .Where(n => n.GatewayMessageId != null && (n.Status == NotificationStatuses.Queued || n.Status == NotificationStatuses.Sending))
            .OrderBy(n => n.Id).Take(max).ToListAsync(cancellationToken);
        if (inFlight.Count > 0)
        {
            await RefreshAsync(inFlight, cancellationToken);
        }

        return inFlight.Count;
    }

    /// <summary>
    /// Asks the gateway where the unfinished ones of <paramref name="rows"/> (tracked by this context) stand, when a
    /// user asks for it (「通知」, 「刷新状态」 on a customer page) and from the reminder job (<see cref="RefreshInFlightAsync"/>), a bounded
    /// number in parallel within <see cref="NotificationOptions.StatusRefreshTimeout"/>, and saves what changed.
    /// Returns false when the gateway could not be reached for some of them.
    /// </summary>
    public async Task<bool> RefreshAsync(IEnumerable<WeixinNotification> rows, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var targets = rows.Where(n => n.GatewayMessageId is not null && !NotificationStatuses.IsFinal(n.Status))
            .Take(settings.StatusRefreshLimit).ToList();
        if (targets.Count == 0)
        {
            return true;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.StatusRefreshTimeout);
        using var slots = new SemaphoreSlim(settings.StatusRefreshParallelism);
        // Note: only the HTTP calls run in parallel; the DbContext is touched after they all ended, on this thread.
        var answers = await Task.WhenAll(targets.Select(async n =>
        {
            try
            {
                await slots.WaitAsync(deadline.Token);
                try
                {
                    return (Row: n, Status: await gateway.GetMessageAsync(n.GatewayMessageId!.Value, deadline.Token), Reached: true);
                }
                finally
                {
                    slots.Release();
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is OperationCanceledException || GatewayFailures.IsGatewayUnavailable(ex)))
            {
                return (Row: n, Status: (MessageStatus?)null, Reached: false);
            }
            catch (ApiException ex)
            {
                logger.LogWarning("Status of notification {NotificationId} (message {MessageId}) refused: {StatusCode}", n.Id, n.GatewayMessageId, (int)ex.StatusCode);
                return (Row: n, Status: (MessageStatus?)null, Reached: true);
            }
        }));

        foreach (var (row, status, _) in answers)
        {
            if (status is not null)
            {
                Apply(row, status);
            }
        }

        await db.SaveChangesAsync(CancellationToken.None);
        var missed = answers.Count(a => !a.Reached);
        if (missed > 0)
        {
            logger.LogWarning("Gateway unavailable: {Missed} of {Count} notification statuses not refreshed", missed, targets.Count);
        }

        return missed == 0;
    }

    /// <summary>
    /// 「重新发送」 of a failed or dead notification (tracked): the gateway re-queues its message; one the gateway never
    /// accepted (e.g. nobody was bound) is written again for the recipient's current WeChat and handed over.
    /// </summary>
    public async Task<(bool Done, string Message)> ResendAsync(WeixinNotification notification, CancellationToken cancellationToken)
    {
        if (!NotificationStatuses.CanResend(notification.Status))
        {
            return (false, "只有发送失败或已放弃的通知可以重新发送。");
        }

        if (notification.GatewayMessageId is { } messageId)
        {
            try
            {
                Apply(notification, await gateway.ResendMessageAsync(messageId, cancellationToken));
                await db.SaveChangesAsync(CancellationToken.None);
                logger.LogInformation("Notification {NotificationId} re-sent (message {MessageId})", notification.Id, messageId);
                return (true, "已重新发送，正在排队。");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && GatewayFailures.IsGatewayUnavailable(ex))
            {
                logger.LogWarning("Resend of notification {NotificationId} failed: gateway unavailable ({Reason})", notification.Id, ex.Message);
                return (false, "内网微信网关暂时不可用，请稍后再试。");
            }
            catch (ApiException ex)
            {
                logger.LogWarning("Resend of notification {NotificationId} refused ({StatusCode}): {Problem}", notification.Id, (int)ex.StatusCode, ex.Content);
                return (false, ex.Content?.Contains(MessageErrors.NotResendable, StringComparison.Ordinal) == true
                    ? "这条通知已在重新发送中，无需再次操作。"
                    : "微信网关拒绝重新发送：" + GatewayReasons.Refused(ex));
            }
        }

        var openId = await db.Accounts.Where(a => a.Id == notification.RecipientId).Select(a => a.WeixinOpenId).SingleOrDefaultAsync(cancellationToken);
        if (openId is null)
        {
            return (false, "对方仍未绑定微信，无法推送。请对方先用微信登录并绑定账号。");
        }

        // Note: the gateway never saw this key (it refused it or was never asked), so the same key with the current openid is safe.
        var request = NotificationMessages.Deserialize(notification.Payload) with { OpenId = openId };
        notification.OpenId = openId;
        notification.Payload = NotificationMessages.Serialize(request);
        notification.Status = NotificationStatuses.Pending;
        notification.LastError = null;
        notification.Attempts = 0;
        notification.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
        return await HandOverAsync(notification, cancellationToken) switch
        {
            HandOverResult.Accepted => (true, "已重新发送，正在排队。"),
            HandOverResult.GatewayUnavailable => (true, "内网微信网关暂时不可用，通知已保存，将自动重试发送。"),
            _ => (false, "发送失败：" + notification.LastError),
        };
    }

    private void Apply(WeixinNotification notification, MessageStatus status)
    {
        notification.GatewayMessageId = status.Id;
        notification.Status = status.Status;
        notification.Attempts = status.Attempts;
        // Note: a sent fallback keeps why the text could not go (45015, 45047): the list says why a template arrived.
        notification.LastError = status.Status != NotificationStatuses.Sent ? GatewayReasons.Delivery(status.LastErrCode, status.LastError)
            : status.SentAs == "fallback_template" ? GatewayReasons.Fallback(status.LastErrCode)
            : null;
        notification.SentAt = status.SentAt?.UtcDateTime;
        notification.SentAs = status.SentAs;
        notification.UpdatedAt = time.GetUtcNow().UtcDateTime;
    }

    private static bool IsDuplicateKey(DbUpdateException ex) =>
        ex.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };
}
