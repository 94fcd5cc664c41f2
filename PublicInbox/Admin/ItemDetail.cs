using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;
using static Weixin.Inbox.PublicInbox.Admin.AdminHtml;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// One item's page: its times, the timeline from <c>inbox_item_events</c>, and the raw request. Never shown: the
/// browser cookie's hash, the lease id; OAuth codes are masked once used, login tickets always.
/// </summary>
public static partial class ItemDetail
{
    public static string Render(HttpContext http, InboxItem item, IReadOnlyList<InboxItemEvent> events, string? notice)
    {
        var body = new StringBuilder();
        if (notice == "requeued")
        {
            body.Append("""<p class="alert ok">已重新排队：内网轮询器会再次领取它；回复将通过客服消息接口发送。</p>""");
        }

        var processing = (item.CompletedAt ?? item.FailedAt) is { } end ? Duration(end - item.ReceivedAt) : "—";
        body.Append(CultureInfo.InvariantCulture, $"""
            <div class="card"><dl>
            <dt>类型</dt><dd>{KindName(item.Kind)}</dd>
            <dt>状态</dt><dd>{StatusBadge(item.Status)}{(item.Outcome is null ? "" : " 结果：" + H(item.Outcome))}</dd>
            <dt>接收时间</dt><dd>{ChinaMs(item.ReceivedAt)}（北京时间）</dd>
            <dt>处理耗时</dt><dd>{processing}</dd>
            <dt>尝试次数</dt><dd>{item.Attempts}</dd>
            <dt>最后领取者</dt><dd>{H(item.LeasedBy ?? "—")}</dd>
            <dt>截止时间</dt><dd>{(item.Deadline is { } d ? ChinaMs(d) : "—")}</dd>
            <dt>关联 ID</dt><dd class="mono">{H(item.CorrelationId)}</dd>
            {(item.Error is null ? "" : $"<dt>错误</dt><dd class=\"error\">{H(item.Error)}</dd>")}
            </dl>
            """);
        if (item.Status == InboxItemStatuses.Failed && item.Kind != InboxItemKinds.OAuth)
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <form method="post" action="/admin/items/{item.Id}/requeue">{AntiforgeryInput(http)}
                <p><button class="btn danger" type="submit">重新排队</button> <span class="muted">把这条失败的记录放回队列，由内网再处理一次（操作会记入审计日志）。</span></p></form>
                """);
        }

        body.Append("</div><h2>时间线</h2><div class=\"card\"><ol class=\"timeline\">");
        foreach (var e in events)
        {
            var css = e.Type is InboxEventTypes.Failed or InboxEventTypes.Expired or InboxEventTypes.LeaseExpired ? " class=\"bad\""
                : e.Type is InboxEventTypes.Requeued or InboxEventTypes.PayloadPurged ? " class=\"admin\"" : "";
            body.Append(CultureInfo.InvariantCulture, $"""
                <li{css}><b>{H(EventName(e.Type))}</b> <span class="muted">{ChinaMs(e.At)}</span>{(e.Actor is null ? "" : $" · {H(ActorName(e))}")}
                {(e.Detail is null ? "" : $"<div class=\"muted\">{H(MaskTickets(e.Detail))}</div>")}</li>
                """);
        }

        if (Delivery(item) is { } delivery)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<li><b>{H(delivery)}</b></li>""");
        }

        body.Append("</ol></div><h2>原始请求</h2><div class=\"card\">");
        if (item.PayloadPurgedAt is { } purged)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<p class="muted">内容已于 {China(purged)}（北京时间）按保留期清除，只保留了元数据。</p>""");
        }

        body.Append(item.Kind == InboxItemKinds.OAuth ? OAuthRequest(item) : MessageRequest(item));
        body.Append("</div>");
        return body.ToString();
    }

    /// <summary>The OAuth code as an admin may see it: whole while the login is under way, then only its first 4 characters.</summary>
    public static string? MaskCode(InboxItem item) =>
        item.OAuthCode is not { } code ? null
        : item.Status is InboxItemStatuses.Done or InboxItemStatuses.Failed or InboxItemStatuses.Expired ? Mask(code)
        : code;

    public static string Mask(string value) => (value.Length <= 4 ? "" : value[..4]) + "****";

    /// <summary>Login tickets in a redirect URL are masked: a still-valid one would let the viewer sign in as the user.</summary>
    public static string MaskTickets(string value) => TicketPattern().Replace(value, m => m.Groups[1].Value + Mask(m.Groups[2].Value));

    [GeneratedRegex("([?&]ticket=)([^&#\\s]*)", RegexOptions.IgnoreCase)]
    private static partial Regex TicketPattern();

    private static string OAuthRequest(InboxItem item) => $"""
        <dl>
        <dt>请求</dt><dd class="mono">GET /wx/oauth/callback</dd>
        <dt>code</dt><dd class="mono">{H(MaskCode(item) ?? (item.PayloadPurgedAt is null ? "（无：用户拒绝授权）" : "—"))}</dd>
        <dt>state</dt><dd class="mono">{H(item.OAuthState ?? "—")}</dd>
        <dt>来源 IP</dt><dd>{H(item.RemoteIp ?? "—")}</dd>
        <dt>User-Agent</dt><dd>{H(item.UserAgent ?? "—")}</dd>
        <dt>跳转地址</dt><dd class="mono">{H(item.RedirectUrl is null ? "—" : MaskTickets(item.RedirectUrl))}</dd>
        </dl>
        <p class="muted">授权码在处理完成后只显示前 4 位；登录票据总是隐去；浏览器 Cookie 只以哈希保存，不在此显示。</p>
        """;

    private static string MessageRequest(InboxItem item)
    {
        var safeMode = string.Equals(item.EncryptType, "aes", StringComparison.OrdinalIgnoreCase);
        var query = $"timestamp={item.Timestamp}&nonce={item.Nonce}" + (item.OpenId is null ? "" : $"&openid={item.OpenId}")
            + (item.EncryptType is null ? "" : $"&encrypt_type={item.EncryptType}&msg_signature={item.MsgSignature}");
        return $"""
            <dl>
            <dt>请求</dt><dd class="mono">POST /wx/callback?{H(query)}</dd>
            <dt>openid</dt><dd class="mono">{H(item.OpenId ?? "—")}</dd>
            <dt>来源 IP</dt><dd>{H(item.RemoteIp ?? "—")}</dd>
            <dt>模式</dt><dd>{(safeMode ? "安全模式：下面是密文。公网收件箱没有 EncodingAESKey，无法解密；需要时在内网用 <span class=\"mono\">IntranetPoller.dll weixin-crypt decrypt</span> 解密。" : "明文模式")}</dd>
            </dl>
            <h2>请求正文{(safeMode ? "（密文）" : "")}</h2><pre>{H(item.Body ?? "—")}</pre>
            <h2>被动回复{(safeMode ? "（密文）" : "")}</h2><pre>{H(item.ReplyBody is null ? "—" : item.ReplyBody.Length == 0 ? "（无回复内容，已答复 success）" : item.ReplyBody)}</pre>
            """;
    }

    /// <summary>How the reply reached the user, when the events alone do not say it.</summary>
    private static string? Delivery(InboxItem item) =>
        item.Kind != InboxItemKinds.OAuth && item.Status == InboxItemStatuses.Done && item.WaitState == WaitStates.Gone && !string.IsNullOrEmpty(item.ReplyBody)
            ? "回复经客服消息接口发送（微信的请求已结束，由内网轮询器发送）"
            : null;

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
        _ => type,
    };

    private static string ActorName(InboxItemEvent e) =>
        e.Type is InboxEventTypes.Claimed or InboxEventTypes.Completed or InboxEventTypes.Failed or InboxEventTypes.Released or InboxEventTypes.LeaseExpired
            ? "轮询器 " + e.Actor
            : e.Actor!;
}
