using System.Globalization;
using System.Text.RegularExpressions;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Retention;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>One line of an item's timeline, in Chinese.</summary>
/// <param name="Title">What happened.</param>
/// <param name="At">When, in China time.</param>
/// <param name="Actor">Who did it, or null.</param>
/// <param name="Text">The stored detail in Chinese, or null.</param>
/// <param name="Stored">The stored detail as written, when it carries data the Chinese text does not (an error, an
/// outcome code, a sentence we do not know); China times, tickets masked.</param>
/// <param name="Css">"bad", "admin" or "".</param>
public sealed record TimelineEntry(string Title, string At, string? Actor, string? Text, string? Stored, string Css);

/// <summary>
/// One item's timeline as the admin reads it. The events' details are stored in English by the code that writes them
/// (callbacks, poller API, sweeper, retention); this reads them back in Chinese by event type and known pattern.
/// Never shown: the browser cookie's hash, the lease id; OAuth codes are masked once used, login tickets always.
/// </summary>
public static partial class ItemTimeline
{
    public static TimelineEntry Describe(InboxItemEvent e)
    {
        var css = e.Type is InboxEventTypes.Failed or InboxEventTypes.Expired or InboxEventTypes.LeaseExpired ? "bad"
            : e.Type is InboxEventTypes.Requeued or InboxEventTypes.PayloadPurged ? "admin" : "";
        var (text, stored) = e.Detail is null ? (null, null) : Detail(e.Type, e.Detail);
        return new TimelineEntry(EventName(e.Type), AdminFormat.ChinaMs(e.At), e.Actor is null ? null : ActorName(e), text,
            stored is null ? null : AdminFormat.ChinaTimesIn(MaskTickets(stored)), css);
    }

    public static string EventName(string type) => type switch
    {
        InboxEventTypes.Received => "收到回调，已保存",
        InboxEventTypes.Claimed => "被内网轮询器领取",
        InboxEventTypes.LeaseExpired => "租约到期仍未完成，转交他人",
        InboxEventTypes.Released => "内网放回队列稍后重试",
        InboxEventTypes.Completed => "处理完成",
        InboxEventTypes.Failed => "处理失败",
        InboxEventTypes.Expired => "已过期",
        InboxEventTypes.BrowserRedirected => "浏览器已跳转回应用",
        InboxEventTypes.RepliedPassively => "被动回复已交给微信",
        InboxEventTypes.PassiveWindowClosed => "被动回复窗口已关闭（已答复 success，回复改走客服消息）",
        InboxEventTypes.Requeued => "管理员重新排队",
        InboxEventTypes.PayloadPurged => "内容按保留期清除",
        InboxEventTypes.TicketCleared => "登录票据已过期，已从跳转地址中清除",
        _ => "其他事件（" + type + "）",
    };

    /// <summary>
    /// The stored detail as (Chinese text, stored text still worth showing). Known sentences become Chinese with their
    /// numbers and times; details that are data (errors, outcome codes) stay visible as written.
    /// </summary>
    public static (string? Text, string? Stored) Detail(string type, string detail)
    {
        switch (type)
        {
            case InboxEventTypes.Received:
                return detail switch
                {
                    "OAuth callback with code" => ("微信网页授权回调，带授权码", null),
                    "OAuth callback without code (consent refused)" => ("微信网页授权回调，没有授权码（用户拒绝了授权）", null),
                    _ when ReceivedPattern().Match(detail) is { Success: true } m =>
                        ($"{AdminFormat.KindName(m.Groups[1].Value)}回调（{(m.Groups[2].Value == "plaintext" ? "明文模式" : "安全模式，正文是密文")}）", null),
                    _ => (null, detail),
                };
            // Note: a renewal (POST /poller/v1/items/{id}/lease) rewrites the claim's own event rather than adding one
            // every few seconds, so the claim says when its lease was last extended.
            case InboxEventTypes.Claimed when LeasePattern().Match(detail) is { Success: true } m && ParseUtc(m.Groups[1].Value) is { } until:
                return m.Groups[2].Success && ParseUtc(m.Groups[2].Value) is { } extended
                    ? ($"租约到 {AdminFormat.ChinaMs(until)}（北京时间；{AdminFormat.ChinaMs(extended)} 续租）", null)
                    : ($"租约到 {AdminFormat.ChinaMs(until)}（北京时间）", null);
            case InboxEventTypes.LeaseExpired when detail == "lease ended without completion; item taken over":
                return ("租约结束时仍未完成，记录交给下一个来领取的轮询器", null);
            case InboxEventTypes.Completed:
                return (AdminFormat.OutcomeName(detail) is { } outcome ? "结果：" + outcome : "内网返回的结果代码：", detail);
            // Note: the poller's constant refusal reasons (MessageFailReasons) read as what the admin should do.
            case InboxEventTypes.Failed when detail == MessageFailReasons.Unopenable:
                return ("内网轮询器无法打开这条消息（签名、解密或发送者不符；原因只记在内网日志里）", null);
            case InboxEventTypes.Failed when detail == MessageFailReasons.PlaintextRefused:
                return ("内网轮询器拒绝明文消息：要求安全模式（请在公众号后台把消息加解密方式设为「安全模式」）", null);
            case InboxEventTypes.Failed when detail == MessageFailReasons.NoKey:
                return ("安全模式消息，但内网轮询器没有配置 Weixin:EncodingAESKey", null);
            case InboxEventTypes.Failed:
                return ("内网报告的错误：", detail);
            case InboxEventTypes.Released:
                return ("内网报告的原因：", detail);
            case InboxEventTypes.Expired:
                if (detail == "never claimed: the intranet poller did not answer before the deadline")
                {
                    return ("一直没有被领取：内网轮询器在截止时间前没有来", null);
                }

                if (ExpiredPattern().Match(detail) is { Success: true } expired)
                {
                    return ($"截止时间到时仍在处理中（已尝试 {expired.Groups[1].Value} 次）", null);
                }

                return RequeuedExpiredPattern().Match(detail) is { Success: true } back
                    ? ($"截止时间到时在队列中等待重试，没有再被领取（已尝试 {back.Groups[1].Value} 次）", null)
                    : (null, detail);
            case InboxEventTypes.BrowserRedirected when detail == "waiting page sent the browser on":
                return ("等待页已把用户的浏览器送回应用", null);
            case InboxEventTypes.BrowserRedirected when detail == "waiting page sent the browser on; ticket cleared from the stored URL":
                return ("等待页已把用户的浏览器送回应用；登录票据已从跳转地址中清除", null);
            case InboxEventTypes.TicketCleared:
                return ("浏览器没有来取登录结果，票据已过期，已从跳转地址中清除", null);
            case InboxEventTypes.RepliedPassively:
                return detail switch
                {
                    "no reply (success)" => ("没有回复内容（已答复 success）", null),
                    "reply handed to the waiting WeChat request" => ("回复已交给仍在等待的微信请求", null),
                    _ => (null, detail),
                };
            case InboxEventTypes.PassiveWindowClosed when WindowPattern().Match(detail) is { Success: true } m:
                return ($"{m.Groups[1].Value} 秒内没有等到回复，已答复 success", null);
            case InboxEventTypes.Requeued when RequeuedPattern().Match(detail) is { Success: true } m && ParseUtc(m.Groups[2].Value) is { } deadline:
                return ($"管理员 {m.Groups[1].Value} 把它放回队列；新的截止时间 {AdminFormat.ChinaMs(deadline)}（北京时间）", null);
            case InboxEventTypes.PayloadPurged when PurgedPattern().Match(detail) is { Success: true } m:
                return ($"保存满 {m.Groups[1].Value} 天，请求内容已清除，只保留元数据", null);
            default:
                return (null, detail);
        }
    }

    /// <summary>The OAuth code as an admin may see it: whole while the login is under way, then only its first 4 characters.</summary>
    public static string? MaskCode(InboxItem item) =>
        item.OAuthCode is not { } code ? null
        : item.Status is InboxItemStatuses.Done or InboxItemStatuses.Failed or InboxItemStatuses.Expired ? Mask(code)
        : code;

    public static string Mask(string value) => (value.Length <= 4 ? "" : value[..4]) + "****";

    /// <summary>Login tickets in a redirect URL are masked: a still-valid one would let the viewer sign in as the user.</summary>
    public static string MaskTickets(string value) => TicketPattern().Replace(value, m => m.Groups[1].Value + Mask(m.Groups[2].Value));

    /// <summary>How the reply reached the user, when the events alone do not say it.</summary>
    public static string? Delivery(InboxItem item) =>
        item.Kind != InboxItemKinds.OAuth && item.Status == InboxItemStatuses.Done && item.WaitState == WaitStates.Gone && !string.IsNullOrEmpty(item.ReplyBody)
            ? "回复经客服消息接口发送（微信的请求已结束，由内网轮询器发送）"
            : null;

    private static string ActorName(InboxItemEvent e) =>
        e.Type is InboxEventTypes.Claimed or InboxEventTypes.Completed or InboxEventTypes.Failed or InboxEventTypes.Released or InboxEventTypes.LeaseExpired
            ? "轮询器 " + e.Actor
            : e.Actor == RetentionPurger.Actor ? "保留期清理任务"
            : e.Actor!.StartsWith("admin:", StringComparison.Ordinal) ? "管理员 " + e.Actor["admin:".Length..]
            : e.Actor;

    private static DateTime? ParseUtc(string value) =>
        DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc) ? utc : null;

    [GeneratedRegex("([?&]ticket=)([^&#\\s]*)", RegexOptions.IgnoreCase)]
    private static partial Regex TicketPattern();

    [GeneratedRegex(@"^(\w+) callback \((plaintext|safe mode)\)$")]
    private static partial Regex ReceivedPattern();

    [GeneratedRegex(@"^lease until (\S+?)(?:; extended at (\S+))?$")]
    private static partial Regex LeasePattern();

    [GeneratedRegex(@"^still leased at the deadline after (\d+) attempt\(s\)$")]
    private static partial Regex ExpiredPattern();

    [GeneratedRegex(@"^back in the queue at the deadline after (\d+) attempt\(s\); not claimed again in time$")]
    private static partial Regex RequeuedExpiredPattern();

    [GeneratedRegex(@"^no reply within ([\d.]+) s; answered success$")]
    private static partial Regex WindowPattern();

    [GeneratedRegex(@"^re-queued by admin (.+); new deadline (\S+)$")]
    private static partial Regex RequeuedPattern();

    [GeneratedRegex(@"^payload removed after (\d+) days$")]
    private static partial Regex PurgedPattern();
}
