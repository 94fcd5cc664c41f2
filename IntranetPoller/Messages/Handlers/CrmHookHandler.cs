using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Weixin;

namespace Weixin.Inbox.IntranetPoller.Messages.Handlers;

/// <summary>
/// Text messages and menu clicks (<c>CLICK</c>): the LAN application decides the answer through its signed hook
/// <c>POST {CrmHook:BaseUrl}/weixin/hook/message</c>.
/// </summary>
public sealed class CrmHookHandler(
    IServiceProvider services,
    IOptionsMonitor<CrmHookOptions> hook,
    IOptionsMonitor<MessagesOptions> options,
    IOptionsMonitor<MessageContentLogging> contentLogging,
    ILogger<CrmHookHandler> logger) : IMessageHandler
{
    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) =>
        message.MsgType == WeixinEvents.TextMessage || message.IsEvent(WeixinEvents.Click);

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var (item, message) = context;
        var messages = options.CurrentValue;
        if (hook.CurrentValue.BaseUri is null)
        {
            logger.LogDebug("Message item {ItemId}: no CrmHook:BaseUrl, default reply", item.Id);
            return messages.DefaultReply;
        }

        if (contentLogging.CurrentValue.IncludeMessageContent)
        {
            logger.LogDebug("Message item {ItemId}: asking the CRM about {MsgType} {Content}{EventKey}",
                item.Id, message.MsgType, message.Content, message.EventKey);
        }
        else
        {
            // Note: what the user wrote stays out of the logs unless Logging:IncludeMessageContent is on.
            logger.LogDebug("Message item {ItemId}: asking the CRM about {MsgType} ({ContentLength} characters){EventKey}",
                item.Id, message.MsgType, message.Content?.Length ?? 0, message.EventKey);
        }
        var started = Environment.TickCount64;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(messages.HookTimeout);
        try
        {
            // Note: resolved only when a hook is configured; the client needs a base address.
            var api = services.GetRequiredService<IMessageHookApi>();
            var answer = await api.HandleAsync(
                new MessageHookRequest(message.FromUserName, message.MsgType, message.Content, message.Event, message.EventKey, message.CreateTime, message.MsgId),
                timeout.Token);
            // Note: Debug: the handler's line ("… from …: replied") follows with the outcome; a hook that fails or times out logs a warning.
            logger.LogDebug("Message item {ItemId}: CRM hook answered in {Elapsed} ms ({Answer})",
                item.Id, Environment.TickCount64 - started, string.IsNullOrEmpty(answer?.ReplyText) ? "no reply" : "reply");
            return string.IsNullOrEmpty(answer?.ReplyText) ? null : answer.ReplyText;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Note: the user still gets an answer; the reason is logged without the request or response bodies.
            var reason = ex switch
            {
                OperationCanceledException => $"no answer within {messages.HookTimeout.TotalSeconds} s",
                ApiException api => $"HTTP {(int)api.StatusCode} {api.ReasonPhrase}",
                HttpRequestException http => $"{http.HttpRequestError}: {http.Message}",
                _ => $"{ex.GetType().Name}: {ex.Message}",
            };
            logger.LogWarning("Message item {ItemId}: CRM hook failed after {Elapsed} ms ({Reason}); answering busy",
                item.Id, Environment.TickCount64 - started, reason);
            return messages.BusyReply;
        }
    }
}
