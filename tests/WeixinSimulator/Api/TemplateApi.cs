using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>
/// message/template/send: template messages, which need no service window but a following user; each typed keyword's
/// value must fit its type (47003 otherwise), and the user sees the title and the keyword lines only.
/// </summary>
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
        var sent = TemplateMessages.Keys(template).ToDictionary(key => key, key => Text(data.GetPropertyOrDefault(key), "value"), StringComparer.Ordinal);
        if (TemplateMessages.InvalidKey(template, sent) is { } invalid)
        {
            // Note: WeChat names the refused value, "argument invalid! data.thing1.value invalid rid: …"
            // (https://developers.weixin.qq.com/community/develop/doc/00066407b58fc04dade12a65a6b000).
            return ArgumentInvalid(s, endpoint, $"data.{invalid}.value invalid");
        }

        var values = sent.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);
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
            s.Logger.LogInformation("Template message to {OpenId} with a client_msg_id seen within 10 minutes: not delivered twice ({Answer})", openId, s.Settings.DuplicateClientMsgId);
            if (s.Settings.DuplicateClientMsgId == DuplicateClientMsgIdAnswer.Error)
            {
                // Note: the doc does not say what a repeat answers
                // (https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage: "只发送一条消息").
                // WeChat reports a bad argument of this API as 47003 with the argument named, so a refused repeat would
                // most plausibly look like this; it is also the hardest case for a client, as 47003 otherwise means
                // "your data is wrong, do not retry".
                return ArgumentInvalid(s, endpoint, "client_msg_id duplicated");
            }
        }
        else
        {
            s.Logger.LogInformation("Template message {TemplateId} delivered to {OpenId}, msgid {MsgId}", template.Id, openId, msgId);
        }

        return TypedResults.Ok(new TemplateSendResponse(0, "ok", msgId));
    }
}

/// <summary>cgi-bin/template/get_all_private_template: the account's templates, so a client can discover the typed keys.</summary>
internal static partial class CgiBinApi
{
    // Note: https://developers.weixin.qq.com/doc/service/api/notify/template/api_getalltemplates.html
    private static Results<Ok<TemplateListResponse>, Ok<WeixinError>> GetAllPrivateTemplates(
        [FromQuery(Name = "access_token")] string? accessToken, [AsParameters] ApiServices s, TemplateMessages templates)
    {
        if (s.CheckApiToken("template/get_all_private_template", accessToken) is { } tokenFailure)
        {
            return tokenFailure;
        }

        return TypedResults.Ok(new TemplateListResponse([.. templates.Templates.Select(t =>
            new TemplateListEntry(t.Id, t.Title, t.PrimaryIndustry, t.DeputyIndustry, t.Content, t.Example))]));
    }

    /// <summary>47003 with WeChat's errmsg naming the argument (<c>argument invalid! data.thing1.value invalid rid: …</c>).</summary>
    private static Ok<WeixinError> ArgumentInvalid(ApiServices s, string endpoint, string detail)
    {
        s.Stats.Error(WeixinErrors.ArgumentInvalid);
        s.Logger.LogWarning("{Endpoint} answered errcode {Errcode}: {Detail}", endpoint, WeixinErrors.ArgumentInvalid, detail);
        return TypedResults.Ok(new WeixinError(WeixinErrors.ArgumentInvalid, $"argument invalid! {detail} rid: {WeixinAnswers.Rid(s.Time)}"));
    }
}

/// <summary>Answer of get_all_private_template.</summary>
internal sealed record TemplateListResponse([property: JsonPropertyName("template_list")] IReadOnlyList<TemplateListEntry> TemplateList);

/// <summary>One template as get_all_private_template lists it.</summary>
internal sealed record TemplateListEntry(
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("primary_industry")] string PrimaryIndustry,
    [property: JsonPropertyName("deputy_industry")] string DeputyIndustry,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("example")] string Example);

/// <summary>Answer of message/template/send.</summary>
internal sealed record TemplateSendResponse(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string ErrMsg,
    [property: JsonPropertyName("msgid")] long MsgId);
