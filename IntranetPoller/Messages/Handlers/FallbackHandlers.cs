using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.IntranetPoller.Messages.Handlers;

/// <summary>
/// Every other event (VIEW, SCAN, LOCATION, TEMPLATESENDJOBFINISH, …): no reply.
/// </summary>
public sealed class OtherEventsHandler(ILogger<OtherEventsHandler> logger) : IMessageHandler
{
    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) => message.IsEvent;

    /// <inheritdoc />
    public Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        // Note: these are notifications, not something the user said; a 「暂不支持」 answer (possibly sent later
        // through the customer-service API) after every link click or template message would be noise.
        logger.LogDebug("Message item {ItemId}: event {Event} needs no reply",
            context.Item.Id, context.Message.Event);
        return Task.FromResult<string?>(null);
    }
}

/// <summary>Every other message type (image, voice, video, location, link, …): the polite default reply.</summary>
public sealed class DefaultReplyHandler(IOptionsMonitor<MessagesOptions> options) : IMessageHandler
{
    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) => true;

    /// <inheritdoc />
    public Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(options.CurrentValue.DefaultReply);
}
