namespace Weixin.Inbox.IntranetPoller.Data;

/// <summary>
/// One push message in the durable outbox (<c>outbox_messages</c>): what a LAN application asked to send, and where
/// its delivery stands. Several pollers share the table: a claim is a lease (<see cref="ClaimedBy"/>,
/// <see cref="LeaseUntil"/>) taken with <c>FOR UPDATE SKIP LOCKED</c>; every later transition is conditional on it.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>The gateway's id of the message.</summary>
    public long Id { get; set; }

    /// <summary>The caller's idempotency key (unique); also WeChat's <c>client_msg_id</c> of a template message.</summary>
    public required string IdempotencyKey { get; set; }

    /// <summary>The receiver.</summary>
    public required string OpenId { get; set; }

    /// <summary>One of <see cref="OutboxKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>The request's message as canonical JSON (a <c>TemplateMessage</c> or a <c>CustomerServiceMessage</c>).</summary>
    public required string Payload { get; set; }

    /// <summary>SHA-256 (hex) of the kind, openid and <see cref="Payload"/>: the same key with another hash is a conflict.</summary>
    public required string PayloadHash { get; set; }

    /// <summary>One of <c>MessageStatuses</c> (queued, sending, sent, failed, dead).</summary>
    public required string Status { get; set; }

    /// <summary>Attempts started so far (reset by a resend).</summary>
    public int Attempts { get; set; }

    /// <summary>When the next attempt is due (queued rows).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The poller instance holding the claim.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>When the claim lapses; a row still <c>sending</c> after it was left by a poller that stopped.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>When the latest attempt was claimed (the outbox's per-minute rate limit counts these).</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>
    /// What the current attempt has handed to WeChat (<c>template</c>, <c>customer_service</c>, <c>fallback_template</c>),
    /// set just before the call and cleared with its result: a lapsed claim with it set left WeChat's answer unknown.
    /// </summary>
    public string? InFlightAs { get; set; }

    /// <summary>When <see cref="InFlightAs"/> was set.</summary>
    public DateTimeOffset? InFlightSince { get; set; }

    /// <summary>
    /// When a template attempt first ended without a readable answer (WeChat may have accepted it). WeChat drops a
    /// repeat with the same <c>client_msg_id</c> only for about 10 minutes, so retries stop short of that.
    /// </summary>
    public DateTimeOffset? UncertainSince { get; set; }

    /// <summary>The LAN application that queued it (its <c>GatewaySigning:Clients:N:Id</c>); null for rows from before client ids.</summary>
    public string? ClientId { get; set; }

    /// <summary>When the gateway queued it.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When WeChat accepted it.</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>WeChat's errcode of the last failed attempt (0 for network errors).</summary>
    public int? LastErrCode { get; set; }

    /// <summary>Why the last attempt failed, in plain words (no secrets).</summary>
    public string? LastError { get; set; }

    /// <summary>WeChat's msgid of an accepted template message.</summary>
    public long? WeixinMsgId { get; set; }

    /// <summary>What WeChat accepted: <c>template</c>, <c>customer_service</c> or <c>fallback_template</c>.</summary>
    public string? SentAs { get; set; }

    /// <summary>The correlation id of the request that queued it (on every log line about it).</summary>
    public string CorrelationId { get; set; } = "";
}

/// <summary>Kinds of push message (<c>outbox_messages.kind</c>, <c>MessageStatus.Kind</c>).</summary>
public static class OutboxKinds
{
    /// <summary>A template message.</summary>
    public const string Template = "template";

    /// <summary>A customer-service message (text or news).</summary>
    public const string CustomerService = "customer_service";

    /// <summary>The customer-service message's fallback template, sent after 45015.</summary>
    public const string FallbackTemplate = "fallback_template";
}
