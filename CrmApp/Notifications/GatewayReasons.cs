using System.Net;
using System.Text.Json;
using Refit;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.CrmApp.Notifications;

/// <summary>Why a message did not go out, in words an employee understands (the pages show these).</summary>
public static class GatewayReasons
{
    /// <summary>The recipient has no bound WeChat: nothing is sent.</summary>
    public const string Unbound = "负责人未绑定微信，无法推送";

    /// <summary>The gateway could not be asked; the message waits and is handed over by the next job run.</summary>
    public const string Unavailable = "内网微信网关暂时不可用，将自动重试。";

    /// <summary>The reason for a refusal (4xx) of <c>POST /gateway/v1/messages</c>, from its problem <c>code</c>.</summary>
    public static string Refused(ApiException ex)
    {
        var (code, detail) = Problem(ex.Content);
        return code switch
        {
            MessageErrors.UnknownUser => "微信网关不认识这个微信用户（对方还没有通过微信登录过本系统，也没有给公众号发过消息）。",
            MessageErrors.UserUnsubscribed => "对方已取消关注公众号，微信不允许推送。",
            MessageErrors.IdempotencyConflict => "微信网关已有同一编号的另一条消息，未重复发送。",
            MessageErrors.Invalid => "消息内容不符合微信网关的要求" + (string.IsNullOrWhiteSpace(detail) ? "。" : $"：{detail}"),
            _ when ex.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "微信网关拒绝了本系统的请求（签名密钥配置有误），请联系管理员。",
            _ => $"微信网关拒绝发送（HTTP {(int)ex.StatusCode}）。",
        };
    }

    /// <summary>
    /// The gateway's last error as the list shows it: WeChat's well-known errcodes in Chinese, else the gateway's own words.
    /// </summary>
    public static string? Delivery(int? errCode, string? lastError) => errCode switch
    {
        43004 => "对方未关注公众号，微信拒绝推送（43004）。",
        45015 => "对方超过 48 小时未与公众号互动，客服消息无法送达（45015）。",
        45047 => $"{CountLimit}，客服消息无法送达（45047）。",
        40003 => "微信不认识这个 openid（40003）。",
        40037 => "模板消息的模板编号无效（40037），请检查 Notifications:FollowUpTemplateId。",
        45009 => "微信接口调用次数超过限额（45009），稍后自动重试。",
        // Note: the gateway's reason already names the account the API needs; without it, say what 48001 means.
        48001 => string.IsNullOrWhiteSpace(lastError) ? "公众号未获得该接口权限（48001），请管理员确认公众号类型与认证状态。" : lastError,
        40164 => "网关出口 IP 不在公众号的 IP 白名单中（40164），请联系管理员。" + (string.IsNullOrWhiteSpace(lastError) ? "" : $"（{lastError}）"),
        _ when string.IsNullOrWhiteSpace(lastError) => null,
        _ => lastError,
    };

    /// <summary>Why a 「发送微信通知」 arrived as the template instead of the text, from the gateway's errcode of the text.</summary>
    public static string Fallback(int? errCode) => errCode switch
    {
        45047 => $"{CountLimit}，已改用模板消息送达。",
        45015 => "对方超过 48 小时未与公众号互动，客服消息无法送达，已改用模板消息送达。",
        _ => "客服消息未能送达，已改用模板消息送达。",
    };

    // Note: WeChat's quota per interaction (https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html).
    private const string CountLimit = "超出客服消息条数限制（用户发消息后 48 小时内最多 5 条，点击菜单、关注或扫码后 1 分钟内最多 3 条）";

    private static (string? Code, string? Detail) Problem(string? content)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrEmpty(content) ? "{}" : content);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            return (Text(root, "code"), Text(root, "detail"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
