using Refit;

namespace Weixin.Inbox.Contracts.Hooks;

/// <summary>A user's message or menu click, passed by the gateway to the LAN app for an answer.</summary>
/// <param name="OpenId">The sender.</param>
/// <param name="MsgType"><c>text</c> or <c>event</c>.</param>
/// <param name="Content">Text typed by the user (text messages).</param>
/// <param name="Event">Event name (e.g. <c>CLICK</c>).</param>
/// <param name="EventKey">Menu key of a click.</param>
/// <param name="CreateTime">When WeChat received it (unix seconds).</param>
/// <param name="MsgId">WeChat's message id, when there is one.</param>
public sealed record MessageHookRequest(string OpenId, string MsgType, string? Content, string? Event, string? EventKey, long CreateTime, string? MsgId);

/// <summary>The app's answer: text shown to the user, or null for no answer.</summary>
public sealed record MessageHookResponse(string? ReplyText);

/// <summary>The LAN app's hook the gateway calls (HMAC-signed with the gateway client key).</summary>
public interface IMessageHookApi
{
    /// <summary>Asks the app what to answer.</summary>
    [Post("/weixin/hook/message")]
    Task<MessageHookResponse> HandleAsync([Body] MessageHookRequest request, CancellationToken cancellationToken = default);
}
