using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Diagnostics;
using Weixin.Inbox.IntranetPoller.Messages.Handlers;
using Weixin.Inbox.IntranetPoller.Inbox;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>
/// Turns one stored message or event callback into its passive reply: opens it (msg_signature, decryption),
/// dedups it against WeChat's retries, runs the handlers once per message and seals the reply for the item's mode.
/// Safe to run again for the same item.
/// </summary>
public sealed class MessageItemHandler(
    MessageEnvelope envelope,
    MessageStore store,
    MessagePipeline pipeline,
    IOptionsMonitor<MessagesOptions> options,
    IOptionsMonitor<MessageContentLogging> contentLogging,
    TimeProvider time,
    ILogger<MessageItemHandler> logger) : IItemHandler
{
    /// <summary>Outcome when the item carries a reply.</summary>
    public const string RepliedOutcome = "replied";

    /// <summary>Outcome when the message needs no reply.</summary>
    public const string NoReplyOutcome = "no_reply";

    /// <summary>Outcome of a repeat of a message whose reply another item delivers (or is still deciding).</summary>
    public const string DuplicateOutcome = "duplicate";

    /// <summary>Decides what to do with a claimed <c>message</c> or <c>event</c> item.</summary>
    public async Task<ItemDecision> HandleAsync(ClaimedItem item, CancellationToken cancellationToken)
    {
        // 1. Open: safe mode required, signature, decryption, XML, sender. A defect here never heals, so the item fails
        // for good, and the inbox is told a constant reason (no decryption oracle).
        if (item.Message is null)
        {
            return Refuse(item, new OpenFailure("unopenable", "message item without its callback body", "message item without its callback body"));
        }

        if (!envelope.TryOpen(item.Message, out var opened, out var failure))
        {
            return Refuse(item, failure);
        }

        var message = opened.Message;
        var key = MessageStore.KeyOf(message);
        logger.LogDebug("Message item {ItemId}: {Xml}", item.Id,
            contentLogging.CurrentValue.IncludeMessageContent ? message.Fields : MessageContentLogging.WithoutContent(message.Fields));

        // 2. Dedup: the first item of a message runs the handlers; WeChat's repeats reuse its reply.
        WeixinMessageEntry row;
        if (await store.TryStartAsync(key, item, message, cancellationToken))
        {
            if (await RunHandlersAsync(item, message, key, cancellationToken) is (true, var reply))
            {
                return Carry(item, message, key, reply, opened.Encrypted);
            }

            row = await FindAsync(key, cancellationToken);
        }
        else
        {
            row = await FindAsync(key, cancellationToken);
            if (row.Status == WeixinMessageStatuses.Processing && row.ItemId == item.Id)
            {
                // Note: this very item came back (its lease ended) before its handlers finished: run them again.
                // Handlers are idempotent, and TryRecordReplyAsync keeps whichever reply was stored first.
                logger.LogWarning("Message item {ItemId}: an earlier attempt did not finish, handling {DedupKey} again",
                    item.Id, key);
                if (await RunHandlersAsync(item, message, key, cancellationToken) is (true, var reply))
                {
                    return Carry(item, message, key, reply, opened.Encrypted);
                }

                row = await FindAsync(key, cancellationToken);
            }
            else if (row.Status == WeixinMessageStatuses.Processing)
            {
                row = await store.WaitWhileProcessingAsync(key, options.CurrentValue.DuplicateWait, cancellationToken);
            }

            if (row.ItemId != item.Id)
            {
                logger.LogInformation("Message item {ItemId}: repeat of {DedupKey} (first item {FirstItemId}, {Status})",
                    item.Id, key, row.ItemId, row.Status);
            }

            if (row.Status == WeixinMessageStatuses.Processing)
            {
                // Note: the first item is still deciding; answering empty stops WeChat's retries, and the first item
                // delivers the reply (passively, or through the customer-service API when its request is gone).
                return Finish(item, message, new ItemDecision.Reply("", DuplicateOutcome, null));
            }
        }

        // 3. Deliver: one item per message may carry the reply.
        if (row.ReplyXml is null)
        {
            return Finish(item, message, new ItemDecision.Reply("", NoReplyOutcome, null));
        }

        if (!await store.TryClaimDeliveryAsync(key, item.Id, cancellationToken)
            && !await TryTakeOverAsync(item, message, key, cancellationToken))
        {
            return Finish(item, message, new ItemDecision.Reply("", DuplicateOutcome, null));
        }

        return Carry(item, message, key, row.ReplyXml, opened.Encrypted);
    }

    /// <summary>The answer of the item that holds the right to carry the reply (or of the message that has none).</summary>
    private ItemDecision.Reply Carry(ClaimedItem item, WeixinMessage message, string key, string? replyXml, bool encrypted) =>
        Finish(item, message, replyXml is null
            ? new ItemDecision.Reply("", NoReplyOutcome, null)
            : new ItemDecision.Reply(envelope.Seal(replyXml, encrypted), RepliedOutcome, key));

    private async Task<WeixinMessageEntry> FindAsync(string key, CancellationToken cancellationToken) =>
        await store.FindAsync(key, cancellationToken) ?? throw new InvalidOperationException($"weixin_messages row {key} vanished.");

    /// <summary>
    /// Lets a newer item of the message carry the reply that an earlier item's passive answer failed to deliver.
    /// </summary>
    /// <remarks>
    /// Note: WeChat repeats a callback only when it got no answer: "微信服务器在五秒内收不到响应会断掉连接，并且重新发起请求，
    /// 总共重试三次" (公众号文档 消息管理 / 接收普通消息 and 被动回复用户消息,
    /// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html). So a
    /// newer item of a message proves that every earlier request of it is closed and its passive answer (if the inbox
    /// ever wrote one) never arrived, even when the inbox believed it delivered (the instance holding WeChat's request
    /// died before writing it, or wrote it after WeChat's 5 s, which behind nginx/TLS start earlier than the inbox's
    /// ReplyWait). The rules that keep this exactly-once:
    /// - only from a passive holder: a passive answer reaches WeChat only on its live request, and the holder's is dead,
    ///   so the newest attempt carrying the reply cannot double it. Never once the customer-service API has it (pending,
    ///   being sent, sent) or it was given up: at most one customer-service send, claimed only by the current holder, so
    ///   the old holder's late "not delivered" finds nothing to send;
    /// - an undecided holder (its completion has not said how it went) is waited for, up to DuplicateWait, instead of
    ///   raced: it may yet go out through the customer-service API. Still undecided after that, the repeat answers
    ///   empty as before; the holder's own completion, or its item coming back after its lease, delivers it;
    /// - only forward in item order, so an old item that comes back after its lease cannot take the reply from the
    ///   newer attempt that may really be answering WeChat's live request;
    /// - only within RetryTakeoverWindow of the message's CreateTime, read from the decrypted message (safe mode: only
    ///   WeChat can write it), against our own clock: a malicious inbox replaying an old item cannot make the reply go
    ///   out again. Inside the window it can, once: replay the stored ciphertext as a new item and report WeChat's
    ///   request gone, and the reply goes out a second time through the customer-service API (to its own user, read by
    ///   nobody else: a duplicate, never a leak or a forgery). (Plaintext mode authenticates nothing in the body, so
    ///   there the window is only as good as the inbox.)
    /// - messages only (MsgId), see the first check.
    /// </remarks>
    private async Task<bool> TryTakeOverAsync(ClaimedItem item, WeixinMessage message, string key, CancellationToken cancellationToken)
    {
        // Note: messages only. An event's key (FromUserName + CreateTime + Event, as WeChat's docs advise) is shared by
        // two real taps of one menu within a second, so a newer event item with the key is not proof of a retry: taking
        // over would answer the second tap with the first tap's reply. An event's lost passive answer stays lost, as
        // before; its reply is the menu's, and the user can tap again.
        if (message.MsgId is not { Length: > 0 })
        {
            return false;
        }

        var settings = options.CurrentValue;
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(message.CreateTime);
        if (age.Duration() > settings.RetryTakeoverWindow)
        {
            logger.LogInformation("Message item {ItemId}: repeat of {DedupKey} created {AgeSeconds:0} s ago, outside the retry window; not taking over the reply",
                item.Id, key, age.TotalSeconds);
            return false;
        }

        var row = await store.WaitWhileDeliveryUndecidedAsync(key, settings.DuplicateWait, cancellationToken);
        if (row.DeliveryItemId is not { } holder || row.DeliveredVia != WeixinDeliveries.Passive
            || !await store.TryTakeOverDeliveryAsync(key, holder, item.Id, cancellationToken))
        {
            return false;
        }

        logger.LogWarning("Message item {ItemId}: WeChat repeated {DedupKey}, so item {HolderItemId}'s passive answer never reached it; this repeat carries the reply",
            item.Id, key, holder);
        return true;
    }

    /// <summary>
    /// Runs the handlers and stores their reply with the right to carry it. <c>Stored</c> is false when another attempt
    /// stored a reply first: then the row, read back, decides.
    /// </summary>
    private async Task<(bool Stored, string? ReplyXml)> RunHandlersAsync(ClaimedItem item, WeixinMessage message, string key, CancellationToken cancellationToken)
    {
        var text = await pipeline.RunAsync(new MessageContext(item, message), cancellationToken);
        var xml = string.IsNullOrEmpty(text)
            ? null
            : WeixinXml.TextReply(toUser: message.FromUserName, fromUser: message.ToUserName, createTime: time.GetUtcNow().ToUnixTimeSeconds(), content: text);
        if (contentLogging.CurrentValue.IncludeMessageContent)
        {
            logger.LogDebug("Message item {ItemId}: reply {Reply}", item.Id, text);
        }
        else
        {
            // Note: the reply (it may echo the user or carry CRM data) is logged only with Logging:IncludeMessageContent.
            logger.LogDebug("Message item {ItemId}: reply of {ReplyLength} characters", item.Id, text?.Length ?? 0);
        }
        return (await store.TryRecordReplyAsync(key, item.Id, xml, cancellationToken), xml);
    }

    private ItemDecision.Fail Refuse(ClaimedItem item, OpenFailure failure)
    {
        // Note: the defect is logged here, on the LAN, with the query's openid; the inbox only gets the constant reason.
        PollerMetrics.MessageItemsRefused.WithLabels(failure.Metric).Inc();
        logger.LogWarning("Message item {ItemId} refused ({RefusalKind}, query openid {QueryOpenId}, encrypt_type {EncryptType}): {Detail}",
            item.Id, failure.Metric, item.Message?.OpenId, item.Message?.EncryptType, failure.Detail);
        return new ItemDecision.Fail(failure.Reason, failure.Detail);
    }

    private ItemDecision.Reply Finish(ClaimedItem item, WeixinMessage message, ItemDecision.Reply decision)
    {
        logger.LogInformation("Message item {ItemId}: {MsgType} {Event} from {OpenId}: {Outcome}",
            item.Id, message.MsgType, message.Event, message.FromUserName, decision.Outcome);
        return decision;
    }
}
