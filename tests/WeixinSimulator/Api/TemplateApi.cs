using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>message/template/send: template messages, which need no service window but a following user.</summary>
internal static partial class CgiBinApi
{
    private static async Task<Results<Ok<TemplateSendResponse>, Ok<WeixinError>>> SendTemplateMessageAsync(
        [FromQuery(Name = "access_token")] string? accessToken,
        HttpRequest request,
        [AsParameters] ApiServices s,
        TemplateMessages templates,
        FaultInjector faults)
    {
        const string endpoint = "message/template/send";
        s.Stats.TemplateSend();
        if (faults.Template.TryTake()?.TemplateErrcode is { } injected)
        {
            return s.Fail(endpoint, injected);
        }

        if (s.CheckApiToken(endpoint, accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        // Note: every call with a valid token counts against the quota, as WeChat counts API calls.
        if (!templates.TryConsumeQuota())
        {
            return s.Fail(endpoint, WeixinErrors.ApiQuotaLimit);
        }

        var raw = await ReadBodyAsync(request);
        if (Parse(raw) is not { ValueKind: JsonValueKind.Object } body)
        {
            return s.Fail(endpoint, WeixinErrors.DataFormatError);
        }

        var openId = Text(body, "touser");
        if (s.Users.Find(openId) is null)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidOpenId);
        }

        var templateId = Text(body, "template_id");
        if (templates.Find(templateId) is not { } template)
        {
            return s.Fail(endpoint, WeixinErrors.InvalidTemplateId);
        }

        var data = body.GetPropertyOrDefault("data");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in TemplateMessages.Keys(template))
        {
            if (Text(data.GetPropertyOrDefault(key), "value") is not { } value)
            {
                return s.Fail(endpoint, WeixinErrors.ArgumentInvalid);
            }

            values[key] = value;
        }

        var conversation = s.Conversations.For(openId!);
        if (!conversation.Following)
        {
            return s.Fail(endpoint, WeixinErrors.RequireSubscribe);
        }

        var url = Text(body, "url");
        var clientMsgId = Text(body, "client_msg_id");
        var shown = TemplateMessages.Render(template, values);
        var (msgId, duplicate) = templates.Send(openId!, clientMsgId, id =>
            conversation.Receive(new ReceivedMessage(Via.Template, "template", shown, s.Time.GetUtcNow(), raw)
            {
                Url = string.IsNullOrEmpty(url) ? null : url,
                TemplateId = template.Id,
                MsgId = id,
            }));
        if (duplicate)
        {
            s.Logger.LogInformation("Template message to {OpenId} with a client_msg_id seen within 10 minutes: msgid {MsgId} again, not delivered twice", openId, msgId);
        }
        else
        {
            s.Logger.LogInformation("Template message {TemplateId} delivered to {OpenId}, msgid {MsgId}", template.Id, openId, msgId);
        }

        return TypedResults.Ok(new TemplateSendResponse(0, "ok", msgId));
    }
}

/// <summary>Answer of message/template/send.</summary>
internal sealed record TemplateSendResponse(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string ErrMsg,
    [property: JsonPropertyName("msgid")] long MsgId);
