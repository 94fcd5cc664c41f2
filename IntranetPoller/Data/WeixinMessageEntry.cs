namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>
/// One WeChat message or event as the gateway handled it (<c>weixin_messages</c>), keyed by its dedup key so
/// WeChat's retries (separate inbox items of one message) run the handlers once and deliver one reply.
/// </summary>
public sealed class WeixinMessageEntry
{
    /// <summary><c>WeixinMessage.DedupKey</c>: <c>msg:{MsgId}</c>, or <c>evt:{FromUserName}:{CreateTime}:{Event}</c> for events.</summary>
    public required string DedupKey { get; set; }

    /// <summary>The first inbox item of the message: the one that runs the handlers.</summary>
    public long ItemId { get; set; }

    /// <summary>The first item's correlation id, for log lines written later (customer-service retries).</summary>
    public string CorrelationId { get; set; } = "";

    /// <summary>The sender (FromUserName).</summary>
    public required string OpenId { get; set; }

    /// <summary>WeChat's MsgType (text, event, image, …).</summary>
    public required string MsgType { get; set; }

    /// <summary>WeChat's Event for events (subscribe, CLICK, …).</summary>
    public string? Event { get; set; }

    /// <summary>When the first item was taken up.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>One of <see cref="WeixinMessageStatuses"/>.</summary>
    public string Status { get; set; } = WeixinMessageStatuses.Processing;

    /// <summary>The plaintext reply XML (encrypted afresh for each item that carries it); null for no reply.</summary>
    public string? ReplyXml { get; set; }

    /// <summary>When the handlers decided the reply.</summary>
    public DateTimeOffset? RepliedAt { get; set; }

    /// <summary>The inbox item that holds the right to carry the reply passively; set once, by a conditional update.</summary>
    public long? DeliveryItemId { get; set; }

    /// <summary>One of <see cref="WeixinDeliveries"/>; null while the reply is not delivered (or there is none).</summary>
    public string? DeliveredVia { get; set; }

    /// <summary>When the user got the reply (passively or through the customer-service API).</summary>
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Customer-service send attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>While <see cref="WeixinMessageStatuses.PendingSend"/>: when the next send attempt is due (also a short claim on the row).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>Why the last send failed (e.g. <c>45015 response out of time limit</c>); no secrets.</summary>
    public string? LastError { get; set; }
}

/// <summary>States of a <see cref="WeixinMessageEntry"/>.</summary>
public static class WeixinMessageStatuses
{
    /// <summary>The first item is running the handlers.</summary>
    public const string Processing = "processing";

    /// <summary>The reply is decided (and delivered, unless <c>delivered_via</c> is still null).</summary>
    public const string Replied = "replied";

    /// <summary>The reply goes out through the customer-service API; a send failed transiently and is retried later.</summary>
    public const string PendingSend = "pending_send";
}

/// <summary>How a reply reached the user (<c>delivered_via</c>).</summary>
public static class WeixinDeliveries
{
    /// <summary>In the answer to WeChat's callback request.</summary>
    public const string Passive = "passive";

    /// <summary>Through <c>cgi-bin/message/custom/send</c> (claimed; delivered once <c>delivered_at</c> is set).</summary>
    public const string CustomerService = "customer_service";

    /// <summary>Not delivered: WeChat refused the customer-service message (45015, 43004, …) or the tries ran out.</summary>
    public const string None = "none";
}
