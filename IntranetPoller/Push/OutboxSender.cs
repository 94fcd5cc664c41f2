using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// One delivery attempt of a claimed outbox message: gets the shared access_token, sends through
/// <c>message/template/send</c> or <c>message/custom/send</c>, and records the outcome (sent, failed for good with the
/// reason, retried later with backoff, or dead after <c>Push:MaxAttempts</c>).
/// </summary>
public sealed class OutboxSender(
    OutboxStore store,
    AccessTokenProvider tokens,
    WeixinServiceClient weixin,
    IOptionsMonitor<PushOptions> options,
    OutboxPause pause,
    TimeProvider time,
    ILogger<OutboxSender> logger)
{
    /// <summary>
    /// How long after a template attempt with an unknown outcome a repeat is still safe: WeChat drops a repeat with the
    /// same openid and <c>client_msg_id</c> for about 10 minutes; a minute is kept in hand for clocks and queues.
    /// </summary>
    public static readonly TimeSpan TemplateRepeatWindow = TimeSpan.FromMinutes(9);

    private const string TemplatePath = "cgi-bin/message/template/send";
    private const string CustomPath = "cgi-bin/message/custom/send";

    /// <summary>Runs one attempt for <paramref name="message"/>, claimed as <paramref name="claim"/> (as it was before the claim).</summary>
    public async Task<string> DeliverAsync(OutboxMessage message, string claim, CancellationToken cancellationToken)
    {
        using var correlation = Correlation.Begin(message.CorrelationId.Length > 0 ? message.CorrelationId : Correlation.NewId());
        var attempt = new Attempt(message, claim);
        if (pause.Until is { } until)
        {
            await store.ReleaseAsync(message.Id, claim, until, cancellationToken);
            return PushOutcomes.Paused;
        }

        if (message.InFlightAs is { } previous)
        {
            // Note: the instance that claimed this row stopped (crash, kill) after handing the message to WeChat and
            // before recording WeChat's answer, so WeChat may have delivered it. A template carries the idempotency key
            // as client_msg_id, and WeChat drops a repeat it already accepted (answering the first msgid) for about 10
            // minutes: repeating it then is safe and makes the status true. custom/send has no such key: repeating it
            // could deliver the text twice, so the message fails with the reason instead, and a person decides on
            // a resend (the user may already have it). After the 10 minutes a template is treated the same way.
            var since = Earliest(message.UncertainSince, message.InFlightSince) ?? time.GetUtcNow();
            var repeatable = previous is OutboxKinds.Template or OutboxKinds.FallbackTemplate && time.GetUtcNow() - since < TemplateRepeatWindow;
            if (!repeatable)
            {
                return await FailAsync(attempt, 0, UnknownOutcomeReason(previous), cancellationToken);
            }

            logger.LogWarning("Push message {MessageId} (key {IdempotencyKey}): the previous attempt's outcome is unknown (its poller stopped); repeating the {SentAs} with the same client_msg_id",
                message.Id, message.IdempotencyKey, previous);
            attempt.UncertainSince = since;
            return previous == OutboxKinds.FallbackTemplate
                ? await SendTemplateAsync(attempt, OutboxPayload.ReadCustomerService(message.Payload).FallbackTemplate!, OutboxKinds.FallbackTemplate, cancellationToken)
                : await SendTemplateAsync(attempt, OutboxPayload.ReadTemplate(message.Payload), OutboxKinds.Template, cancellationToken);
        }

        attempt.UncertainSince = message.UncertainSince;
        return message.Kind == OutboxKinds.Template
            ? await SendTemplateAsync(attempt, OutboxPayload.ReadTemplate(message.Payload), OutboxKinds.Template, cancellationToken)
            : await SendCustomerServiceAsync(attempt, OutboxPayload.ReadCustomerService(message.Payload), cancellationToken);
    }

    private async Task<string> SendTemplateAsync(Attempt attempt, TemplateMessage template, string sentAs, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        var body = new WeixinTemplateMessage(
            message.OpenId,
            template.TemplateId,
            template.Url,
            template.Data.ToDictionary(d => d.Key, d => new WeixinTemplateValue(d.Value.Value, d.Value.Color), StringComparer.Ordinal),
            message.IdempotencyKey);
        var call = await CallAsync(attempt, sentAs, token => weixin.SendTemplateAsync(token, body, cancellationToken), cancellationToken);
        if (call.Done is { } done)
        {
            return done;
        }

        var result = call.Result!;
        switch (result.Outcome)
        {
            case WeixinOutcome.Ok:
                return await SentAsync(attempt, sentAs, result.Value!.MsgId, cancellationToken);
            case WeixinOutcome.Error:
                return await ErrorAsync(attempt, result.ErrCode, result.ErrMsg, cancellationToken, TemplatePath);
            default:
                if (result.MayHaveArrived)
                {
                    attempt.UncertainSince ??= time.GetUtcNow();
                }

                return await RetryAsync(attempt, result.ErrCode, $"暂时无法送达微信：{result.ErrMsg}", cancellationToken);
        }
    }

    private async Task<string> SendCustomerServiceAsync(Attempt attempt, CustomerServiceMessage message, CancellationToken cancellationToken)
    {
        if (attempt.UncertainSince is not null && message.FallbackTemplate is { } uncertainFallback)
        {
            // Note: a customer-service message is never retried after an uncertain send, so an uncertain earlier
            // attempt was its fallback template, which WeChat may hold. Starting over with custom/send could deliver
            // the text as well (the user may have written since); repeating the same template (same client_msg_id) cannot.
            return await SendTemplateAsync(attempt, uncertainFallback, OutboxKinds.FallbackTemplate, cancellationToken);
        }

        var openId = attempt.Message.OpenId;
        var call = await CallAsync(attempt, OutboxKinds.CustomerService, token => message.Text is { } text
            ? weixin.SendCustomTextAsync(token, openId, text, cancellationToken)
            : weixin.SendCustomNewsAsync(token, openId, new WeixinNewsArticle(message.News!.Title, message.News.Description, message.News.Url, message.News.PicUrl), cancellationToken),
            cancellationToken);
        if (call.Done is { } done)
        {
            return done;
        }

        var result = call.Result!;
        switch (result.Outcome)
        {
            case WeixinOutcome.Ok:
                return await SentAsync(attempt, OutboxKinds.CustomerService, null, cancellationToken);
            case WeixinOutcome.Error when WeixinErrorCodes.IsCustomerServiceClosed(result.ErrCode) && message.FallbackTemplate is { } fallback:
                // Note: 45015 (no interaction recent enough) and 45047 (the interaction's 5 or 3 messages are used)
                // both last until the user writes, clicks or scans again; a template is not bound by either.
                logger.LogInformation("Push message {MessageId} (key {IdempotencyKey}): WeChat refused the customer-service message to {OpenId} ({ErrCode}: {Why}); sending the fallback template",
                    attempt.Message.Id, attempt.Message.IdempotencyKey, openId, result.ErrCode,
                    result.ErrCode == WeixinErrorCodes.ResponseCountLimit ? "the user's customer-service quota is spent" : "outside every customer-service window");
                if (!await store.RecordFallbackReasonAsync(attempt.Message.Id, attempt.Claim, result.ErrCode, FallbackReason(result.ErrCode), cancellationToken))
                {
                    return PushOutcomes.Lost;
                }

                return await SendTemplateAsync(attempt, fallback, OutboxKinds.FallbackTemplate, cancellationToken);
            case WeixinOutcome.Error:
                return await ErrorAsync(attempt, result.ErrCode, result.ErrMsg, cancellationToken, CustomPath);
            default:
                // Note: custom/send has no idempotency key: a request WeChat may have carried out is never repeated.
                return result.MayHaveArrived
                    ? await FailAsync(attempt, 0, $"客服消息发送结果未知（{result.ErrMsg}），微信可能已送达；为避免重复，未自动重发。", cancellationToken)
                    : await RetryAsync(attempt, result.ErrCode, $"暂时无法送达微信：{result.ErrMsg}", cancellationToken);
        }
    }

    /// <summary>
    /// Gets the token, marks the attempt in flight (renewing the claim) and calls WeChat; on 40001/40014/42001 the
    /// token is invalidated and the call made once more with a fresh one (<see cref="AccessTokenProvider.CallWithTokenAsync{T}"/>).
    /// </summary>
    private async Task<(WeixinResult<T>? Result, string? Done)> CallAsync<T>(
        Attempt attempt, string inFlightAs, Func<string, Task<WeixinResult<T>>> send, CancellationToken cancellationToken)
        where T : class
    {
        var message = attempt.Message;
        var lost = false;
        var result = await tokens.CallWithTokenAsync(async (token, ct) =>
        {
            // Note: marked before each send, the repeat with a fresh token included: a poller that stops after handing
            // the message to WeChat leaves the row saying what may have arrived.
            if (!await store.MarkInFlightAsync(message.Id, attempt.Claim, inFlightAs, options.CurrentValue.LeaseDuration, ct))
            {
                lost = true;
                return WeixinResult.Unreachable<T>("claim lost before sending");
            }

            return await send(token);
        }, cancellationToken);

        if (result.NoAccessToken)
        {
            return (null, result.ErrCode == WeixinErrorCodes.IpNotWhitelisted
                ? await IpBlockedAsync(attempt, result.ErrMsg, cancellationToken)
                : await RetryAsync(attempt, result.ErrCode, $"未能获取 access_token：{result.ErrMsg}", cancellationToken));
        }

        if (lost)
        {
            logger.LogWarning("Push message {MessageId} (key {IdempotencyKey}): claim lost to another poller before sending; left to it",
                message.Id, message.IdempotencyKey);
            return (null, PushOutcomes.Lost);
        }

        return (result, null);
    }

    private async Task<string> SentAsync(Attempt attempt, string sentAs, long? msgId, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        if (!await store.RecordSentAsync(message.Id, attempt.Claim, sentAs, msgId, cancellationToken))
        {
            logger.LogWarning("Push message {MessageId} (key {IdempotencyKey}): WeChat accepted it but the claim was lost before recording",
                message.Id, message.IdempotencyKey);
            return PushOutcomes.Lost;
        }

        logger.LogInformation("Push message {MessageId} (key {IdempotencyKey}) sent to {OpenId} as {SentAs} (attempt {Attempt}, msgid {MsgId})",
            message.Id, message.IdempotencyKey, message.OpenId, sentAs, message.Attempts, msgId);
        return PushOutcomes.Sent;
    }

    private Task<string> ErrorAsync(Attempt attempt, int errCode, string? errMsg, CancellationToken cancellationToken, string api = "")
    {
        if (errCode == WeixinErrorCodes.ApiUnauthorized)
        {
            // Note: the account's type or verification forbids the API; no retry or fallback can change that.
            WeixinPermissions.Log(logger, api, errMsg);
            return FailAsync(attempt, errCode, WeixinPermissions.Reason(api), cancellationToken);
        }

        if (errCode == WeixinErrorCodes.IpNotWhitelisted)
        {
            return IpBlockedAsync(attempt, errMsg, cancellationToken);
        }

        if (WeixinErrorCodes.IsQuota(errCode))
        {
            return RetryAsync(attempt, errCode, $"微信接口调用次数已达上限（{errCode}），稍后重试。", cancellationToken);
        }

        if (WeixinErrorCodes.IsTokenRejected(errCode))
        {
            return RetryAsync(attempt, errCode, $"微信两次拒绝了 access_token（{errCode}），稍后重试。", cancellationToken);
        }

        if (attempt.UncertainSince is not null)
        {
            // Note: this was a repeat (same client_msg_id) of an attempt WeChat may have carried out. The doc does not
            // say what a repeat of a delivered message answers (the earlier msgid, or an error): a refusal here may be
            // exactly that, with the message already on the user's phone. A plain failure would invite a resend or a
            // fallback that delivers it twice, so it ends as 「发送结果未知」 and a person decides.
            return FailAsync(attempt, 0, $"发送结果未知：之前的一次发送微信可能已送达，重发时微信拒绝了（errcode {errCode}：{errMsg}），可能正因为已送达；为避免重复未自动重发，请向对方确认后再手动重发。", cancellationToken);
        }

        return FailAsync(attempt, errCode, PermanentReason(errCode, errMsg), cancellationToken);
    }

    private async Task<string> IpBlockedAsync(Attempt attempt, string? errMsg, CancellationToken cancellationToken)
    {
        var ip = WeixinErrorCodes.IpFrom(errMsg) ?? "（未知）";
        var until = pause.PauseFor(options.CurrentValue.IpBlockedPause);
        // Note: an operator must add the IP to the account's whitelist (公众平台 → 基本配置 → IP白名单); nothing else helps.
        logger.LogError("Push message {MessageId} (key {IdempotencyKey}): WeChat refused this host's egress IP {EgressIp} (40164, not on the account's IP whitelist); the outbox pauses until {PausedUntil:u}",
            attempt.Message.Id, attempt.Message.IdempotencyKey, ip, until);
        PushMetrics.IpNotWhitelisted();
        return await FailAsync(attempt, WeixinErrorCodes.IpNotWhitelisted,
            WeixinAlerts.IpReason(errMsg)[..^1] + "后重新发送。", cancellationToken);
    }

    private async Task<string> FailAsync(Attempt attempt, int errCode, string reason, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        if (!await store.RecordFinalAsync(message.Id, attempt.Claim, MessageStatuses.Failed, errCode, reason, cancellationToken))
        {
            return PushOutcomes.Lost;
        }

        logger.LogWarning("Push message {MessageId} (key {IdempotencyKey}) to {OpenId} failed for good (errcode {ErrCode}): {Reason}",
            message.Id, message.IdempotencyKey, message.OpenId, errCode, reason);
        return PushOutcomes.Failed;
    }

    private async Task<string> RetryAsync(Attempt attempt, int errCode, string reason, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        if (message.Attempts >= settings.MaxAttempts)
        {
            if (!await store.RecordFinalAsync(message.Id, attempt.Claim, MessageStatuses.Dead, errCode, $"重试 {message.Attempts} 次后仍失败：{reason}", cancellationToken))
            {
                return PushOutcomes.Lost;
            }

            logger.LogError("Push message {MessageId} (key {IdempotencyKey}) to {OpenId} is a dead letter after {Attempts} attempts: {Reason}",
                message.Id, message.IdempotencyKey, message.OpenId, message.Attempts, reason);
            return PushOutcomes.Dead;
        }

        var next = now + settings.BackoffAfter(message.Attempts);
        if (attempt.UncertainSince is { } uncertain && next - uncertain >= TemplateRepeatWindow)
        {
            // Note: WeChat may hold an earlier attempt; past its client_msg_id memory a repeat could arrive twice.
            var latest = uncertain + TemplateRepeatWindow - TimeSpan.FromSeconds(30);
            if (latest <= now)
            {
                return await FailAsync(attempt, errCode, UnknownOutcomeReason(OutboxKinds.Template), cancellationToken);
            }

            next = latest;
        }

        if (!await store.RecordRetryAsync(message.Id, attempt.Claim, next, errCode, reason, attempt.UncertainSince, cancellationToken))
        {
            return PushOutcomes.Lost;
        }

        logger.LogWarning("Push message {MessageId} (key {IdempotencyKey}) to {OpenId}: attempt {Attempt} of {MaxAttempts} failed, retrying at {NextAttemptAt:u}: {Reason}",
            message.Id, message.IdempotencyKey, message.OpenId, message.Attempts, settings.MaxAttempts, next, reason);
        return PushOutcomes.Retry;
    }

    private static string PermanentReason(int errCode, string? errMsg) => errCode switch
    {
        WeixinErrorCodes.NotFollowing => "用户未关注公众号（43004），无法接收消息。",
        WeixinErrorCodes.InvalidOpenId => "openid 无效，不是本公众号的用户（40003）。",
        WeixinErrorCodes.OutsideResponseWindow => "用户 48 小时内未与公众号互动，客服消息无法送达（45015），且未设置备用模板消息。",
        WeixinErrorCodes.ResponseCountLimit => $"{CountLimitText}，客服消息无法送达（45047），且未设置备用模板消息。",
        WeixinErrorCodes.InvalidTemplateId => "模板 ID 无效（40037），请检查公众平台中的模板。",
        WeixinErrorCodes.ArgumentInvalid => "模板数据与模板不符（47003），请检查字段名称与内容。",
        _ => $"微信拒绝了该消息：errcode {errCode} {errMsg}",
    };

    private const string CountLimitText = "超出客服消息条数限制（用户发消息后 48 小时内最多 5 条，点击菜单、关注或扫码后 1 分钟内最多 3 条）";

    private static string FallbackReason(int errCode) => errCode == WeixinErrorCodes.ResponseCountLimit
        ? $"{CountLimitText}（45047），已改用模板消息。"
        : "用户 48 小时内未给公众号发消息，客服消息无法送达（45015），已改用模板消息。";

    private static string UnknownOutcomeReason(string inFlightAs) => inFlightAs == OutboxKinds.CustomerService
        ? "发送结果未知：发送过程中网关进程中断，微信可能已送达；客服消息无法去重，为避免重复未自动重发，请确认后手动重发。"
        : "发送结果未知：微信可能已送达，且已超过微信按 client_msg_id 去重的时限；为避免重复未自动重发，请确认后手动重发。";

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    private sealed class Attempt(OutboxMessage message, string claim)
    {
        public OutboxMessage Message { get; } = message;

        public string Claim { get; } = claim;

        public DateTimeOffset? UncertainSince { get; set; }
    }
}

/// <summary>What one attempt ended in (log and metric labels).</summary>
public static class PushOutcomes
{
    /// <summary>WeChat accepted it.</summary>
    public const string Sent = "sent";

    /// <summary>Refused for good.</summary>
    public const string Failed = "failed";

    /// <summary>Due again later.</summary>
    public const string Retry = "retry";

    /// <summary>Tries ran out.</summary>
    public const string Dead = "dead";

    /// <summary>Handed back untried: the outbox is paused (40164).</summary>
    public const string Paused = "paused";

    /// <summary>Another instance took the message over.</summary>
    public const string Lost = "lost";
}
