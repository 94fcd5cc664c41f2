namespace Weixin.Inbox.Contracts.Gateway;

/// <summary>
/// Queues a push message to one WeChat user in the gateway's durable outbox (<c>POST /gateway/v1/messages</c>).
/// Exactly one of <see cref="Template"/> and <see cref="CustomerService"/> is set.
/// </summary>
/// <param name="IdempotencyKey">Chosen by the caller, 1–64 characters of <c>A–Z a–z 0–9 - _ . :</c>. The same key
/// with the same content answers the message already queued (200) instead of queueing a second one; the same key
/// with other content is refused (409, <see cref="MessageErrors.IdempotencyConflict"/>). For template messages the key
/// is also sent as WeChat's <c>client_msg_id</c>, so WeChat itself drops a resend it already accepted.</param>
/// <param name="OpenId">The receiver: a user of the gateway's directory who follows the account.</param>
/// <param name="Template">A template message (<c>cgi-bin/message/template/send</c>).</param>
/// <param name="CustomerService">A customer-service message (<c>cgi-bin/message/custom/send</c>); WeChat only
/// delivers it within 48 h of the user's last interaction (45015 otherwise).</param>
public sealed record SendMessageRequest(
    string IdempotencyKey,
    string OpenId,
    TemplateMessage? Template = null,
    CustomerServiceMessage? CustomerService = null);

/// <summary>A template message.</summary>
/// <param name="TemplateId">The template's id in the official account's backend.</param>
/// <param name="Data">The template's keywords by name (<c>thing1</c>, <c>time2</c>, …: typed by their prefix, see WeChat's 类目模板消息 rules; <c>first</c>/<c>remark</c> are no longer shown).</param>
/// <param name="Url">Where a tap on the message opens (optional; an absolute http(s) URL).</param>
public sealed record TemplateMessage(string TemplateId, IReadOnlyDictionary<string, TemplateField> Data, string? Url = null);

/// <summary>One field of a template message.</summary>
/// <param name="Value">The text, at most 200 characters.</param>
/// <param name="Color">Optional <c>#RRGGBB</c> (WeChat ignores it for newer templates).</param>
public sealed record TemplateField(string Value, string? Color = null);

/// <summary>A customer-service message: text, or news (one article).</summary>
/// <param name="Text">The text of a text message (at most 2,048 characters).</param>
/// <param name="News">The article of a news message.</param>
/// <param name="FallbackTemplate">Sent instead when WeChat refuses the customer-service message with 45015
/// (outside the 48 h window); without one the message fails with that reason.</param>
public sealed record CustomerServiceMessage(string? Text = null, NewsArticle? News = null, TemplateMessage? FallbackTemplate = null);

/// <summary>The article of a news message.</summary>
public sealed record NewsArticle(string Title, string? Description, string Url, string? PicUrl = null);

/// <summary>A push message and where its delivery stands (<c>GET /gateway/v1/messages/{id}</c>).</summary>
/// <param name="Id">The gateway's id of the message.</param>
/// <param name="IdempotencyKey">The caller's key.</param>
/// <param name="OpenId">The receiver.</param>
/// <param name="Kind"><c>template</c> or <c>customer_service</c>.</param>
/// <param name="Status">One of <see cref="MessageStatuses"/>.</param>
/// <param name="Attempts">Sends tried so far.</param>
/// <param name="CreatedAt">When the gateway queued it.</param>
/// <param name="NextAttemptAt">When the next send is due (queued or retrying messages).</param>
/// <param name="SentAt">When WeChat accepted it.</param>
/// <param name="LastErrCode">WeChat's errcode of the last failed attempt (0 for network errors); for a message sent as
/// <c>fallback_template</c>, the customer-service refusal that caused it (45015 or 45047).</param>
/// <param name="LastError">Why the last attempt failed, in plain words (no secrets).</param>
/// <param name="WeixinMsgId">WeChat's msgid for an accepted template message.</param>
/// <param name="SentAs">What WeChat accepted: <c>template</c>, <c>customer_service</c>, or <c>fallback_template</c>
/// (WeChat refused the customer-service message: no window open, 45015, or its quota spent, 45047).</param>
public sealed record MessageStatus(
    long Id,
    string IdempotencyKey,
    string OpenId,
    string Kind,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? SentAt,
    int? LastErrCode,
    string? LastError,
    long? WeixinMsgId,
    string? SentAs);

/// <summary>A page of messages, newest first.</summary>
public sealed record MessageList(IReadOnlyList<MessageStatus> Items);

/// <summary>The states of a push message.</summary>
public static class MessageStatuses
{
    /// <summary>Waiting for its (first or next) attempt.</summary>
    public const string Queued = "queued";

    /// <summary>An attempt is under way.</summary>
    public const string Sending = "sending";

    /// <summary>WeChat accepted it.</summary>
    public const string Sent = "sent";

    /// <summary>WeChat refused it for good (not following, invalid openid, outside the 48 h window without a
    /// fallback, egress IP not whitelisted, …); <see cref="MessageStatus.LastError"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>Transient errors until the retries ran out (a dead letter); can be re-sent.</summary>
    public const string Dead = "dead";

    /// <summary>True when nothing more will happen to the message without a resend.</summary>
    public static bool IsFinal(string status) => status is Sent or Failed or Dead;
}

/// <summary>Problem <c>code</c>s of the messages API (in the problem details' <c>code</c> extension).</summary>
public static class MessageErrors
{
    /// <summary>400: the request is malformed (the problem's detail names the field).</summary>
    public const string Invalid = "message_invalid";

    /// <summary>404: the openid is not in the gateway's user directory (the user never logged in or wrote).</summary>
    public const string UnknownUser = "user_unknown";

    /// <summary>422: the user unfollowed the account; WeChat would refuse the message.</summary>
    public const string UserUnsubscribed = "user_unsubscribed";

    /// <summary>409: the idempotency key was used for a different message.</summary>
    public const string IdempotencyConflict = "idempotency_conflict";

    /// <summary>404: no message with this id.</summary>
    public const string NotFound = "message_not_found";

    /// <summary>409: only failed or dead messages can be re-sent.</summary>
    public const string NotResendable = "message_not_resendable";
}
