using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.IntranetPoller.Messages;

/// <summary>
/// What happens after an item carrying a reply is completed: the inbox says whether WeChat's request took the
/// reply; if not, the reply goes out through the customer-service API. Exactly one delivery per message.
/// </summary>
public sealed class ReplyDelivery(MessageStore store, CustomerServiceSender sender, ILogger<ReplyDelivery> logger)
{
    /// <summary>Records or completes the delivery of <paramref name="key"/>'s reply after <paramref name="item"/> was completed.</summary>
    public async Task AfterCompleteAsync(ClaimedItem item, string key, bool? deliveredPassively, CancellationToken cancellationToken)
    {
        if (deliveredPassively == true)
        {
            if (await store.MarkPassiveAsync(key, item.Id, cancellationToken))
            {
                // Note: Debug: the usual case, counted by poller_replies_total{via="passive"}; the exceptions below stay loud.
                logger.LogDebug("Message item {ItemId}: reply delivered passively", item.Id);
            }
            else if (await store.FindAsync(key, cancellationToken) is { DeliveryItemId: { } holder } && holder > item.Id)
            {
                // Note: expected since a repeat may take the reply over (MessageItemHandler.TryTakeOverAsync): WeChat
                // repeated the message, so this late passive answer did not reach it; the newer item carries the reply.
                logger.LogInformation("Message item {ItemId}: the inbox reports a passive answer, but WeChat had repeated {DedupKey}; item {HolderItemId} carries the reply",
                    item.Id, key, holder);
            }
            else
            {
                logger.LogError("Message item {ItemId}: reply delivered passively, but {DedupKey} was already delivered another way",
                    item.Id, key);
            }

            return;
        }

        if (deliveredPassively is null)
        {
            logger.LogWarning("Message item {ItemId}: the inbox did not say whether WeChat took the reply; assuming not",
                item.Id);
        }

        if (!await store.ClaimCustomerServiceAsync(key, item.Id, CustomerServiceSender.AttemptHold, cancellationToken))
        {
            // Note: also when a repeat of the message took the reply over: then that newer item delivers it.
            logger.LogInformation("Message item {ItemId}: {DedupKey} already delivered (or carried by a newer item)", item.Id, key);
            return;
        }

        logger.LogInformation("Message item {ItemId}: WeChat's request is gone; sending the reply through the customer-service API",
            item.Id);
        await sender.AttemptAsync(key, cancellationToken);
    }
}
