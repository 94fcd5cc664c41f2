namespace Weixin.Inbox.PublicInbox.Data;

/// <summary>One stored callback and where it stands. Times are UTC.</summary>
public sealed class InboxItem
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>After this nobody waits for the result any more (the browser's timeout).</summary>
    public DateTime? Deadline { get; set; }

    public required string CorrelationId { get; set; }
    public string? OAuthCode { get; set; }
    public string? OAuthState { get; set; }
    public string? RemoteIp { get; set; }
    public string? UserAgent { get; set; }

    /// <summary>SHA-256 (hex) of the per-item browser cookie; only that browser may watch the item.</summary>
    public string? CookieHash { get; set; }

    public int Attempts { get; set; }
    public string? LeaseId { get; set; }
    public string? LeasedBy { get; set; }
    public DateTime? LeaseUntil { get; set; }
    public DateTime? ClaimedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime? FailedAt { get; set; }
    public DateTime? ExpiredAt { get; set; }
    public DateTime? RedirectedAt { get; set; }
    public string? RedirectUrl { get; set; }

    /// <summary>Message callbacks: the raw body as WeChat posted it (ciphertext envelope in safe mode).</summary>
    public string? Body { get; set; }
    public string? Timestamp { get; set; }
    public string? Nonce { get; set; }
    public string? EncryptType { get; set; }
    public string? MsgSignature { get; set; }
    public string? OpenId { get; set; }

    /// <summary>Message callbacks: whether WeChat's request still waits for the reply (see <see cref="WaitStates"/>).</summary>
    public string? WaitState { get; set; }

    /// <summary>Message callbacks: the passive reply body the poller produced (empty = no reply).</summary>
    public string? ReplyBody { get; set; }
    public string? Outcome { get; set; }
    public string? Error { get; set; }

    /// <summary>When the retention job removed the payload (bodies, code, state, IP, user agent); null while kept.</summary>
    public DateTime? PayloadPurgedAt { get; set; }
}

/// <summary>One step of an item's history, for the audit timeline.</summary>
public sealed class InboxItemEvent
{
    public long Id { get; set; }
    public long ItemId { get; set; }
    public DateTime At { get; set; }
    public required string Type { get; set; }
    public string? Actor { get; set; }
    public string? Detail { get; set; }
}

/// <summary>
/// Where WeChat's request for a message item stands. The poller's completion and the waiting request race on
/// this column with conditional updates, so exactly one of "answered passively" and "gone" wins.
/// </summary>
public static class WaitStates
{
    public const string Waiting = "waiting";
    public const string Answered = "answered";
    public const string Gone = "gone";
}

/// <summary>Names of <see cref="InboxItemEvent.Type"/>.</summary>
public static class InboxEventTypes
{
    public const string Received = "received";
    public const string Claimed = "claimed";
    public const string LeaseExpired = "lease_expired";
    public const string Released = "released";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Expired = "expired";
    public const string BrowserRedirected = "browser_redirected";
    public const string RepliedPassively = "replied_passively";
    public const string PassiveWindowClosed = "passive_window_closed";

    /// <summary>An admin put a failed message/event item back in the queue.</summary>
    public const string Requeued = "requeued";

    /// <summary>The retention job removed the item's payload.</summary>
    public const string PayloadPurged = "payload_purged";

    /// <summary>A login's ticket expired unused and was cleared from the stored redirect URL.</summary>
    public const string TicketCleared = "ticket_cleared";
}

/// <summary>When each poller last claimed: the waiting page and readiness use it.</summary>
public sealed class PollerSeen
{
    public required string PollerId { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastClaimAt { get; set; }
    public int LastClaimCount { get; set; }

    /// <summary>The WeChat conditions the poller reported with its last recorded claim (JSON, see <see cref="Items.PollerAlerts"/>); null when none.</summary>
    public string? Alerts { get; set; }
}

/// <summary>A signed request id, remembered to refuse replays.</summary>
public sealed class RequestIdRecord
{
    public required string Id { get; set; }
    public DateTime ExpiresAt { get; set; }
}
