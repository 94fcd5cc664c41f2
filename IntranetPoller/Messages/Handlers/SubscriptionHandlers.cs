using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Messages.Handlers;

/// <summary><c>subscribe</c>: marks the user as following and welcomes them with the CRM's login link.</summary>
public sealed class SubscribeHandler(GatewayDbContext db, IOptionsMonitor<MessagesOptions> options, TimeProvider time, ILogger<SubscribeHandler> logger)
    : IMessageHandler
{
    /// <inheritdoc />
    public bool Handles(WeixinMessage message) => message.IsEvent(WeixinEvents.Subscribe);

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var at = DateTimeOffset.FromUnixTimeSeconds(message.CreateTime).UtcDateTime;
        var now = time.GetUtcNow().UtcDateTime;

        // Note: items are handled concurrently and WeChat's retries arrive late, so a subscribe may be handled after a
        // later unsubscribe; WeChat's event time decides which one stands. MySQL applies the assignments left to
        // right, so `subscribed` is decided against the times as they were before this event.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_users (open_id, nickname, sex, first_seen_at, last_seen_at, login_count, subscribed, subscribed_at)
            VALUES ({message.FromUserName}, '', 0, {now}, {now}, 0, 1, {at})
            ON DUPLICATE KEY UPDATE
                subscribed = IF(unsubscribed_at IS NULL OR unsubscribed_at <= {at}, 1, subscribed),
                subscribed_at = IF(subscribed_at IS NULL OR subscribed_at < {at}, {at}, subscribed_at)
            """, cancellationToken);
        logger.LogInformation("Message item {ItemId} (correlation {CorrelationId}): {OpenId} follows the account",
            context.Item.Id, context.Item.CorrelationId, message.FromUserName);
        return options.CurrentValue.Welcome;
    }
}

/// <summary><c>unsubscribe</c>: marks the user as no longer following; no reply (WeChat would not show one).</summary>
public sealed class UnsubscribeHandler(GatewayDbContext db, TimeProvider time, ILogger<UnsubscribeHandler> logger) : IMessageHandler
{
    /// <inheritdoc />
    public bool Handles(WeixinMessage message) => message.IsEvent(WeixinEvents.Unsubscribe);

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var at = DateTimeOffset.FromUnixTimeSeconds(message.CreateTime).UtcDateTime;
        var now = time.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_users (open_id, nickname, sex, first_seen_at, last_seen_at, login_count, subscribed, unsubscribed_at)
            VALUES ({message.FromUserName}, '', 0, {now}, {now}, 0, 0, {at})
            ON DUPLICATE KEY UPDATE
                subscribed = IF(subscribed_at IS NULL OR subscribed_at <= {at}, 0, subscribed),
                unsubscribed_at = IF(unsubscribed_at IS NULL OR unsubscribed_at < {at}, {at}, unsubscribed_at)
            """, cancellationToken);
        logger.LogInformation("Message item {ItemId} (correlation {CorrelationId}): {OpenId} stopped following the account",
            context.Item.Id, context.Item.CorrelationId, message.FromUserName);
        return null;
    }
}
