namespace Weixin.Inbox.CrmApp.Data;

/// <summary>
/// A push message to an employee's WeChat, sent through the gateway's outbox: a due <see cref="FollowUpReminder"/>
/// (template message) or a 「发送微信通知」 from a customer page (customer-service text with a template fallback).
/// The row is written before the gateway is asked, so an outage or a crash loses nothing: rows still
/// <see cref="NotificationStatuses.Pending"/> are handed over again with the same idempotency key.
/// </summary>
public sealed class WeixinNotification
{
    public long Id { get; set; }

    /// <summary>One of <see cref="NotificationKinds"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The key the gateway deduplicates on; fixed when the row is written.</summary>
    public string IdempotencyKey { get; set; } = "";

    public int? CustomerId { get; set; }
    public Customer? Customer { get; set; }

    /// <summary>The employee who receives it.</summary>
    public int RecipientId { get; set; }
    public Account? Recipient { get; set; }

    /// <summary>Who sent it by hand; null for reminders (sent by the system).</summary>
    public int? SenderId { get; set; }
    public Account? Sender { get; set; }

    /// <summary>The reminder it was sent for (unique: one message per reminder).</summary>
    public long? ReminderId { get; set; }
    public FollowUpReminder? Reminder { get; set; }

    /// <summary>The recipient's openid when the row was written; null when they had no bound WeChat.</summary>
    public string? OpenId { get; set; }

    /// <summary>What the recipient reads, for the list (the short text or the reminder's note).</summary>
    public string Summary { get; set; } = "";

    /// <summary>The JSON of the gateway request, kept so a hand-over repeated after an outage is byte-for-byte the same.</summary>
    public string Payload { get; set; } = "";

    /// <summary>One of <see cref="NotificationStatuses"/>.</summary>
    public string Status { get; set; } = NotificationStatuses.Pending;

    /// <summary>The gateway's message id once it accepted the message.</summary>
    public long? GatewayMessageId { get; set; }

    /// <summary>Sends the gateway tried so far (as it last reported).</summary>
    public int Attempts { get; set; }

    /// <summary>Why the last attempt failed, in plain Chinese; null when nothing went wrong.</summary>
    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the status was last written (hand-over, refresh from the gateway).</summary>
    public DateTime UpdatedAt { get; set; }

    /// <summary>When WeChat accepted it.</summary>
    public DateTime? SentAt { get; set; }

    /// <summary>What WeChat accepted (<c>template</c>, <c>customer_service</c>, <c>fallback_template</c>), as the gateway reports.</summary>
    public string? SentAs { get; set; }
}

/// <summary>What a <see cref="WeixinNotification"/> was sent for.</summary>
public static class NotificationKinds
{
    /// <summary>A due follow-up reminder (template message).</summary>
    public const string Reminder = "reminder";

    /// <summary>「发送微信通知」 from a customer page (customer-service text, template fallback).</summary>
    public const string Manual = "manual";

    public static string Describe(string kind) => kind switch
    {
        Reminder => "跟进提醒",
        Manual => "手动通知",
        _ => kind,
    };
}

/// <summary>
/// States of a <see cref="WeixinNotification"/>: <see cref="Pending"/> until the gateway accepted it, then the
/// gateway's own states (<see cref="Weixin.Inbox.Contracts.Gateway.MessageStatuses"/>); <see cref="Failed"/> also
/// when the CRM could not hand it over for good (no bound WeChat, gateway said no).
/// </summary>
public static class NotificationStatuses
{
    /// <summary>Written, not yet accepted by the gateway (handed over by the next job run).</summary>
    public const string Pending = "pending";

    public const string Queued = Contracts.Gateway.MessageStatuses.Queued;
    public const string Sending = Contracts.Gateway.MessageStatuses.Sending;
    public const string Sent = Contracts.Gateway.MessageStatuses.Sent;
    public const string Failed = Contracts.Gateway.MessageStatuses.Failed;
    public const string Dead = Contracts.Gateway.MessageStatuses.Dead;

    /// <summary>True when nothing more will happen without 「重新发送」.</summary>
    public static bool IsFinal(string status) => status is Sent or Failed or Dead;

    /// <summary>True when 「重新发送」 is offered.</summary>
    public static bool CanResend(string status) => status is Failed or Dead;

    /// <summary>The status as the pages show it.</summary>
    public static string Describe(string status) => status switch
    {
        Pending or Queued => "排队中",
        Sending => "发送中",
        Sent => "已送达",
        Failed => "发送失败",
        Dead => "已放弃",
        _ => status,
    };
}
