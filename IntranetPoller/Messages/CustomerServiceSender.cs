using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>
/// Sends a reply through <c>cgi-bin/message/custom/send</c> when WeChat's callback request is gone, and records the
/// result: delivered, refused for good (45015, 45047, 43004, 40003, …), unknown (timeout, 5xx: never repeated), or due
/// again later (no connection, 429, system busy).
/// </summary>
/// <remarks>
/// Each reply is one text, sent once per message: WeChat allows 5 customer-service messages within 48 h after a user
/// message and 3 within 1 minute after a menu click, follow or scan, so one reply never needs more than its
/// message allows. A refusal for the quota (45015 outside every window, 45047 when spent) is final: only the user's
/// next message, click or scan opens a new one.
/// </remarks>
public sealed class CustomerServiceSender(
    MessageStore store,
    AccessTokenProvider tokens,
    WeixinServiceClient weixin,
    IOptionsMonitor<MessagesOptions> options,
    TimeProvider time,
    ILogger<CustomerServiceSender> logger)
{
    /// <summary>How long one attempt holds its row against the retry job of another poller.</summary>
    public static readonly TimeSpan AttemptHold = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Written to the row's <c>last_error</c> just before the request goes to WeChat, replaced by the outcome after it.
    /// Found again by a later attempt, it means an attempt reached the send and its outcome was never recorded (the
    /// poller was killed, or lost its database right after WeChat delivered): the reply may have arrived, so it is not
    /// sent again (found by the production topology test: a send during a database restart went out twice, 2 min apart).
    /// </summary>
    public const string SendingMarker = "sending: outcome not recorded yet";

    /// <summary>One attempt for a row in <c>pending_send</c> that the caller has claimed.</summary>
    public async Task AttemptAsync(string key, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(key, cancellationToken);
        if (row is not { Status: WeixinMessageStatuses.PendingSend, ReplyXml: not null })
        {
            return;
        }

        // Note: the retry job runs outside any item; the row's correlation id puts its lines in the item's trail.
        using var correlation = Correlation.Current is null && row.CorrelationId.Length > 0 ? Correlation.Begin(row.CorrelationId) : null;
        var attempt = row.Attempts + 1;
        var content = ReplyText(row.ReplyXml);
        if (content is null)
        {
            await GiveUpAsync(row, "the reply is not a text message; only text goes through the customer-service API", cancellationToken);
            return;
        }

        if (row.LastError == SendingMarker)
        {
            await GiveUpAsync(row, "outcome unknown, not repeated: an earlier attempt reached WeChat and its result was never recorded (the poller stopped or lost its database)", cancellationToken);
            return;
        }

        // Note: durable before the request leaves; if this fails nothing was sent and the row is retried after its hold.
        await store.MarkSendingAsync(key, SendingMarker, cancellationToken);
        var result = await SendAsync(row.OpenId, content, cancellationToken);
        switch (result.Outcome)
        {
            case WeixinOutcome.Ok:
                await store.RecordSentAsync(key, cancellationToken);
                logger.LogInformation("Message item {ItemId}: reply to {OpenId} sent through the customer-service API (attempt {Attempt})",
                    row.ItemId, row.OpenId, attempt);
                break;

            case WeixinOutcome.Error when result.ErrCode == WeixinErrorCodes.ApiUnauthorized:
                WeixinPermissions.Log(logger, "cgi-bin/message/custom/send", result.ErrMsg);
                await GiveUpAsync(row, WeixinPermissions.Reason("cgi-bin/message/custom/send"), cancellationToken);
                break;

            case WeixinOutcome.Error:
                // Note: 45015 (no customer-service window open), 45047 (the window's messages are used up), 43004 (not
                // following), 40003 (unknown openid) and other errcodes do not change by retrying; the reply is
                // recorded as undelivered with WeChat's words.
                if (WeixinErrorCodes.IsCustomerServiceClosed(result.ErrCode))
                {
                    logger.LogWarning("Message item {ItemId}: WeChat allows no more customer-service messages to {OpenId} for now ({ErrCode}: {Why}); the late reply is dropped",
                        row.ItemId, row.OpenId, result.ErrCode, result.ErrCode == WeixinErrorCodes.ResponseCountLimit
                            ? "5 per user message within 48 h, 3 per click, follow or scan within 1 minute are used up"
                            : "more than 48 h since the user's last message and more than 1 minute since a click, follow or scan");
                }

                await GiveUpAsync(row, $"errcode {result.ErrCode} {result.ErrMsg}", cancellationToken);
                break;

            default:
                if (result.MayHaveArrived)
                {
                    // Note: custom/send has no idempotency key, and a reply spends one of the user's 5 (or 3) messages:
                    // a request WeChat may have carried out (timeout, dropped connection, 5xx) is never repeated, as in
                    // the outbox, so the user never gets the same reply twice.
                    await GiveUpAsync(row, $"outcome unknown, not repeated (WeChat may have delivered it): {result.ErrMsg}", cancellationToken);
                    break;
                }

                var settings = options.CurrentValue;
                if (attempt >= settings.SendAttempts)
                {
                    await GiveUpAsync(row, $"gave up after {attempt} attempts: {result.ErrMsg}", cancellationToken);
                    break;
                }

                var delay = settings.SendRetryDelay * Math.Pow(2, attempt - 1);
                var next = time.GetUtcNow() + delay;
                await store.RecordRetryAsync(key, next, result.ErrMsg ?? "unreachable", cancellationToken);
                logger.LogWarning("Message item {ItemId}: customer-service send to {OpenId} failed (attempt {Attempt} of {Max}), retrying at {Next:u}: {Reason}",
                    row.ItemId, row.OpenId, attempt, settings.SendAttempts, next, result.ErrMsg);
                break;
        }
    }

    private async Task<WeixinResult<WeixinAck>> SendAsync(string openId, string content, CancellationToken cancellationToken)
    {
        // Note: without a token nothing is sent; that counts as a transient failure (the provider logged why).
        var result = await tokens.CallWithTokenAsync((token, ct) => weixin.SendCustomTextAsync(token, openId, content, ct), cancellationToken);
        if (result.NoAccessToken)
        {
            return WeixinResult.Unreachable<WeixinAck>(result.ErrMsg ?? "no access_token");
        }

        if (result.Outcome == WeixinOutcome.Error && WeixinErrorCodes.IsTokenRejected(result.ErrCode))
        {
            // Note: refused again with a fresh token: retried later like an unanswered call, not given up for good.
            return WeixinResult.Unreachable<WeixinAck>($"access_token rejected twice (errcode {result.ErrCode})", result.ErrCode);
        }

        return result;
    }

    private async Task GiveUpAsync(WeixinMessageEntry row, string error, CancellationToken cancellationToken)
    {
        await store.RecordUndeliverableAsync(row.DedupKey, error, cancellationToken);
        logger.LogWarning("Message item {ItemId}: reply to {OpenId} not delivered: {Error}",
            row.ItemId, row.OpenId, error);
    }

    private static string? ReplyText(string replyXml)
    {
        var fields = WeixinXml.ReadFields(replyXml);
        return fields.TryGetValue("MsgType", out var type) && type == "text" && fields.TryGetValue("Content", out var content) ? content : null;
    }
}
