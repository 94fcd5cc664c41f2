using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Users;

namespace Weixin.Inbox.IntranetPoller.Messages.Handlers;

/// <summary><c>subscribe</c>: marks the user as following and welcomes them with the CRM's login link.</summary>
public sealed class SubscribeHandler(WeixinUserDirectory users, IOptionsMonitor<MessagesOptions> options, ILogger<SubscribeHandler> logger)
    : IMessageHandler
{
    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) => message.IsEvent(WeixinEvents.Subscribe);

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        // Note: WeChat's event time, not ours, decides between a subscribe and an unsubscribe handled out of order.
        await users.RecordSubscribeAsync(message.FromUserName, DateTimeOffset.FromUnixTimeSeconds(message.CreateTime), cancellationToken);
        logger.LogInformation("Message item {ItemId}: {OpenId} follows the account",
            context.Item.Id, message.FromUserName);
        return options.CurrentValue.Welcome;
    }
}

/// <summary><c>unsubscribe</c>: marks the user as no longer following; no reply (WeChat would not show one).</summary>
public sealed class UnsubscribeHandler(WeixinUserDirectory users, ILogger<UnsubscribeHandler> logger) : IMessageHandler
{
    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) => message.IsEvent(WeixinEvents.Unsubscribe);

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        await users.RecordUnsubscribeAsync(message.FromUserName, DateTimeOffset.FromUnixTimeSeconds(message.CreateTime), cancellationToken);
        logger.LogInformation("Message item {ItemId}: {OpenId} stopped following the account",
            context.Item.Id, message.FromUserName);
        return null;
    }
}
