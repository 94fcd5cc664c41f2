namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>Asks the inbox for pending items; each returned item is leased to the caller.</summary>
/// <param name="PollerId">Stable name of the calling poller instance (shown in the audit timeline).</param>
/// <param name="MaxItems">Largest batch wanted, 1–100. Default 10.</param>
/// <param name="Kinds">Kinds the poller can handle; null for all.</param>
/// <param name="WaitMilliseconds">Long polling: when nothing is pending, the inbox holds the request up to this long
/// (0–20,000 ms) and answers as soon as an item arrives. Default 0 (answer at once).</param>
/// <param name="Alerts">The WeChat conditions the poller currently sees (48001, 40164), shown on the inbox's 「概览」;
/// at most <see cref="PollerAlert.MaxCount"/>. Null from pollers that predate the field (no alerts shown for them);
/// an empty list clears the poller's alerts.</param>
public sealed record ClaimRequest(string PollerId, int MaxItems = 10, IReadOnlyList<string>? Kinds = null, int WaitMilliseconds = 0,
    IReadOnlyList<PollerAlert>? Alerts = null);

/// <summary>A WeChat condition the poller keeps seeing, for people watching the inbox's dashboard.</summary>
/// <param name="Code">What it is, e.g. <c>48001 cgi-bin/message/template/send</c> or <c>40164</c> (at most
/// <see cref="MaxCodeLength"/> characters).</param>
/// <param name="Reason">The Chinese reason shown to people, plain text (at most <see cref="MaxReasonLength"/> characters).</param>
/// <param name="Since">When the poller first saw it.</param>
/// <param name="LastSeen">When the poller last saw it.</param>
public sealed record PollerAlert(string Code, string Reason, DateTimeOffset Since, DateTimeOffset LastSeen)
{
    /// <summary>Most alerts one claim may carry.</summary>
    public const int MaxCount = 10;

    /// <summary>Longest <see cref="Code"/>.</summary>
    public const int MaxCodeLength = 64;

    /// <summary>Longest <see cref="Reason"/>.</summary>
    public const int MaxReasonLength = 200;
}

/// <summary>The leased items, oldest first.</summary>
public sealed record ClaimResponse(IReadOnlyList<ClaimedItem> Items, DateTimeOffset ServerTime);

/// <summary>One leased item.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Kind">One of <see cref="InboxItemKinds"/>.</param>
/// <param name="LeaseId">Proof of this lease: complete and fail must present it.</param>
/// <param name="LeaseUntil">When the lease ends and the item may go to another poller.</param>
/// <param name="Attempts">How many times the item has been claimed, this claim included.</param>
/// <param name="ReceivedAt">When the inbox stored the callback.</param>
/// <param name="Deadline">After this the result is useless (the browser gave up); null when none.</param>
/// <param name="CorrelationId">Id that follows the item through every service's logs.</param>
/// <param name="OAuth">The OAuth callback's parameters, for kind <c>oauth</c>.</param>
/// <param name="Message">The posted body and signature parameters, for kinds <c>message</c> and <c>event</c>.</param>
public sealed record ClaimedItem(
    long Id,
    string Kind,
    string LeaseId,
    DateTimeOffset LeaseUntil,
    int Attempts,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? Deadline,
    string CorrelationId,
    OAuthCallback? OAuth,
    MessageCallback? Message = null);

/// <summary>Parameters WeChat appended to the OAuth redirect. A refused consent carries no code.</summary>
public sealed record OAuthCallback(string? Code, string? State);

/// <summary>
/// A message or event exactly as WeChat posted it. The inbox checked <c>signature</c>; in safe mode the body is
/// the ciphertext envelope and only the poller (which holds the EncodingAESKey) can read it.
/// </summary>
/// <param name="Body">The raw XML body.</param>
/// <param name="Timestamp">The query's <c>timestamp</c>.</param>
/// <param name="Nonce">The query's <c>nonce</c>.</param>
/// <param name="EncryptType"><c>aes</c> in safe or compatible mode, else null.</param>
/// <param name="MsgSignature">The query's <c>msg_signature</c> (safe mode).</param>
/// <param name="OpenId">The query's <c>openid</c> (the sender), when WeChat sent it.</param>
public sealed record MessageCallback(string Body, string Timestamp, string Nonce, string? EncryptType, string? MsgSignature, string? OpenId);

/// <summary>Completes a leased item with its result.</summary>
/// <param name="LeaseId">The lease being completed.</param>
/// <param name="RedirectUrl">For <c>oauth</c>: where the waiting browser goes next (must match an allowed prefix).</param>
/// <param name="Outcome">Short machine-readable outcome for the audit trail, e.g. <c>ticket_issued</c> or an error code.</param>
/// <param name="ReplyBody">For messages: the passive reply body exactly as WeChat should receive it (encrypted
/// envelope in safe mode; empty for "no reply").</param>
/// <param name="OpenId">For <c>oauth</c>: the WeChat user who logged in, so the inbox's admin history can answer
/// "what happened to this user's login" (an openid is no secret: WeChat puts it in every message callback's URL).</param>
public sealed record CompleteRequest(string LeaseId, string? RedirectUrl = null, string? Outcome = null, string? ReplyBody = null, string? OpenId = null);

/// <summary>The item's state after completion.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Status">The item's status (<c>done</c>).</param>
/// <param name="DeliveredPassively">For messages: true when WeChat's request was still waiting and takes the reply;
/// false when it is gone and the reply must be sent through the customer-service API instead.</param>
public sealed record CompleteResponse(long Id, string Status, bool? DeliveredPassively = null);

/// <summary>Reports a failure while processing a leased item.</summary>
/// <param name="LeaseId">The lease being released.</param>
/// <param name="Error">What went wrong (no secrets).</param>
/// <param name="Retry">True to put the item back to pending for another attempt; false to fail it for good.</param>
public sealed record FailRequest(string LeaseId, string Error, bool Retry);

/// <summary>The item's state after the failure was recorded.</summary>
public sealed record FailResponse(long Id, string Status);

/// <summary>Asks to extend a lease the caller holds.</summary>
/// <param name="LeaseId">The lease being extended (from <see cref="ClaimedItem.LeaseId"/>).</param>
public sealed record LeaseRequest(string LeaseId);

/// <summary>The extended lease.</summary>
/// <param name="Id">Item id.</param>
/// <param name="LeaseUntil">The lease's new end (now + the inbox's lease duration).</param>
public sealed record LeaseResponse(long Id, DateTimeOffset LeaseUntil);
