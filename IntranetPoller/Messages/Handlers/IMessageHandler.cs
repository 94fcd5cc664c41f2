using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.IntranetPoller.Messages.Handlers;

/// <summary>What a handler gets: the inbox item (for log lines) and the opened message.</summary>
public sealed record MessageContext(ClaimedItem Item, WeixinMessage Message);

/// <summary>One kind of message or event and what to answer to it.</summary>
public interface IMessageHandler
{
    /// <summary>True when this handler answers <paramref name="message"/>.</summary>
    bool CanHandle(WeixinMessage message);

    /// <summary>Does the work; returns the text to reply, or null for no reply.</summary>
    Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken);
}

/// <summary>Runs the first handler that takes the message (handlers in registration order, see <c>AddMessages</c>).</summary>
public sealed class MessagePipeline(IEnumerable<IMessageHandler> handlers)
{
    /// <summary>The reply text, or null for no reply.</summary>
    public Task<string?> RunAsync(MessageContext context, CancellationToken cancellationToken) =>
        handlers.First(h => h.CanHandle(context.Message)).HandleAsync(context, cancellationToken);
}

/// <summary>Event names and message types the handlers look at.</summary>
internal static class WeixinEvents
{
    public const string Subscribe = "subscribe";
    public const string Unsubscribe = "unsubscribe";
    public const string Click = "CLICK";
    public const string TextMessage = "text";

    /// <summary>True for an event with this name (WeChat's casing varies between documents; compared ignoring case).</summary>
    public static bool IsEvent(this WeixinMessage message, string name) =>
        message.IsEvent && string.Equals(message.Event, name, StringComparison.OrdinalIgnoreCase);
}
