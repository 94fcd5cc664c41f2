using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Users;
using static Weixin.Inbox.WeixinSimulator.Html.HtmlPage;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>
/// 「聊天」: a page to play a test user in the demo. Plain forms, no script (works under any CSP); a send blocks
/// until WeChat would be done (retries, then up to CustomerServiceWait for a customer-service message).
/// </summary>
internal static class ChatPage
{
    public const string Path = "/sim/chat";

    private static readonly (string Value, string Label)[] Modes = [("plain", "明文模式"), ("compat", "兼容模式"), ("aes", "安全模式")];

    public static IEndpointRouteBuilder MapChatPage(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Show);
        // Note: the form is read by hand, so no antiforgery metadata applies; it only drives the local simulator.
        app.MapPost(Path, SendAsync);
        return app;
    }

    private static ContentHttpResult Show(
        HttpRequest request, UserDirectory users, Conversations conversations, MessageDelivery delivery, IOptions<SimulatorOptions> options, MenuStore menus,
        QrCodeStore codes, TimeProvider time) =>
        Page(request.Query["openid"].FirstOrDefault(), request.Query["mode"].FirstOrDefault(), null, null, users, conversations, delivery, options.Value, menus,
            screen: OnScreen(request, codes, time));

    /// <summary>Content URLs of the temporary QR codes valid now (newest first), for 「扫一扫」's suggestions.</summary>
    private static List<string> OnScreen(HttpRequest request, QrCodeStore codes, TimeProvider time) =>
        codes.Showing(time.GetUtcNow(), 5).Select(q => $"{request.Scheme}://{request.Host}{request.PathBase}{QrCodeStore.PathPrefix}{q.Code}").ToList();

    private static async Task<ContentHttpResult> SendAsync(
        HttpRequest request, UserDirectory users, Conversations conversations, MessageDelivery delivery, IOptions<SimulatorOptions> options, MenuStore menus,
        QrCodeStore codes, TimeProvider time)
    {
        if (!request.HasFormContentType)
        {
            return Error("参数错误", "需要表单提交");
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var openId = form["openid"].FirstOrDefault() ?? "";
        var mode = form["mode"].FirstOrDefault();
        if (form["type"].FirstOrDefault() == "scan")
        {
            var scan = await QrCodeScanning.ScanAsync(openId, form["qrUrl"].FirstOrDefault(), mode, users, conversations, delivery, codes, time);
            var scanProblem = scan.Problems is { } p ? string.Join(" ", p.Values.SelectMany(v => v))
                : scan.Refusal is { } r ? r.Title + "：" + r.Detail
                : null;
            var scanned = scan.Response is { } answer ? $"扫码后微信推送了 {answer.Event} 事件（EventKey {answer.EventKey}）" : null;
            return Page(openId, mode, scan.Response?.Delivery, scanProblem, users, conversations, delivery, options.Value, menus, scanned, OnScreen(request, codes, time));
        }

        var command = MessageCommand.Parse(form["type"].FirstOrDefault(), form["content"].FirstOrDefault(), form["eventKey"].FirstOrDefault(), mode, out var problems);
        if (command is null)
        {
            return Page(openId, mode, null, string.Join(" ", problems.Values.SelectMany(v => v)), users, conversations, delivery, options.Value, menus, screen: OnScreen(request, codes, time));
        }

        if (MessageCommand.Refusal(openId, command, users, conversations, delivery) is { } refusal)
        {
            return Page(openId, mode, null, refusal.Title + "：" + refusal.Detail, users, conversations, delivery, options.Value, menus, screen: OnScreen(request, codes, time));
        }

        var result = await delivery.SendAsync(openId, command.Action, command.Mode, command.Content, command.EventKey);
        return Page(openId, mode, result, null, users, conversations, delivery, options.Value, menus, screen: OnScreen(request, codes, time));
    }

    private static ContentHttpResult Page(
        string? openId, string? mode, SendMessageResponse? result, string? problem,
        UserDirectory users, Conversations conversations, MessageDelivery delivery, SimulatorOptions settings, MenuStore menus, string? note = null,
        List<string>? screen = null)
    {
        var all = users.All();
        var user = all.FirstOrDefault(u => u.OpenId == openId) ?? (all.Count > 0 ? all[0] : null);
        // Note: 安全模式 by default, as a 公众号 whose poller holds the EncodingAESKey is set up (the poller refuses plaintext
        // then, Weixin:RequireSafeMode); 明文模式 stays selectable to show that refusal.
        mode = Modes.Any(m => m.Value == mode) ? mode : "aes";
        var body = new StringBuilder();

        if (!delivery.Enabled)
        {
            body.Append("<div class=\"card\"><p><strong>消息功能未开启</strong></p><p class=\"muted\">请设置 <code>Simulator__CallbackUrl</code>")
                .Append("（公众号服务器地址，如 <code>http://127.0.0.1:5000/wx/callback</code>）后重启模拟器。</p></div>");
        }

        if (user is null)
        {
            body.Append("<div class=\"card\"><p>还没有测试用户，请先通过 <code>POST /sim/users</code> 添加。</p></div>");
            return Render("公众号聊天（模拟器）", body.ToString());
        }

        var conversation = conversations.For(user.OpenId);
        body.Append("<form method=\"post\" action=\"").Append(Path).Append("\"><div class=\"card\">")
            .Append("<p><label>用户 <select name=\"openid\">");
        foreach (var u in all)
        {
            body.Append("<option value=\"").Append(E(u.OpenId)).Append('"').Append(u.OpenId == user.OpenId ? " selected" : "")
                .Append('>').Append(E(u.Nickname)).Append('（').Append(E(u.OpenId)).Append("）</option>");
        }

        body.Append("</select></label></p><p><label>加解密方式 <select name=\"mode\">");
        foreach (var (value, label) in Modes)
        {
            body.Append("<option value=\"").Append(value).Append('"').Append(value == mode ? " selected" : "").Append('>').Append(label).Append("</option>");
        }

        body.Append("</select></label></p><p class=\"muted\">")
            .Append(conversation.Following ? "已关注" : "未关注（发送「关注」后才能聊天）")
            .Append("；最近互动：").Append(conversation.LastInteraction is { } at ? E(Local(at)) : "无")
            .Append("；客服消息额度：").Append(E(Quotas(conversation.Grants())))
            .Append("；公众号 <code>").Append(E(settings.OriginalId)).Append("</code></p></div>")
            .Append("<div class=\"card\"><p><input name=\"content\" placeholder=\"输入消息，如：客户 张\" class=\"field\"></p>")
            .Append("<div class=\"buttons\"><button class=\"allow\" type=\"submit\" name=\"type\" value=\"text\">发送</button></div>")
            .Append("<p><input name=\"eventKey\" value=\"HELP\" placeholder=\"菜单 EventKey\" class=\"field\"></p>")
            .Append("<div class=\"buttons\"><button class=\"deny\" type=\"submit\" name=\"type\" value=\"click\">点击菜单</button>")
            .Append("<button class=\"deny\" type=\"submit\" name=\"type\" value=\"subscribe\">关注</button>")
            .Append("<button class=\"deny\" type=\"submit\" name=\"type\" value=\"unsubscribe\">取消关注</button></div>")
            .Append("<p><input name=\"qrUrl\" id=\"scan-url\" list=\"scan-screen\" value=\"").Append(E(screen is { Count: > 0 } ? screen[0] : ""))
            .Append("\" placeholder=\"粘贴二维码内容，如 http://127.0.0.1:5080/q/…\" class=\"field\"></p>")
            .Append("<datalist id=\"scan-screen\">");
        // Note: the phone's camera pointed at the desktop: the QR codes valid now, newest first (the CRM's 扫码登录 shows the newest).
        foreach (var url in screen ?? [])
        {
            body.Append("<option value=\"").Append(E(url)).Append("\">");
        }

        body.Append("</datalist>")
            .Append(screen is { Count: > 0 } ? "<p class=\"muted\" id=\"scan-hint\">已填入电脑屏幕上最新的二维码；点输入框可选其他仍有效的二维码。</p>" : "")
            .Append("<div class=\"buttons\"><button class=\"deny\" type=\"submit\" name=\"type\" value=\"scan\">扫一扫</button></div>")
            .Append("<p class=\"muted\">发送后最长等待约 ")
            .Append(((settings.CallbackTimeout * settings.CallbackAttempts) + settings.CustomerServiceWait).TotalSeconds.ToString("0", CultureInfo.InvariantCulture))
            .Append(" 秒（微信的超时重试，以及等待客服消息）。</p></div></form>");
        AppendMenu(body, menus.Current, user.OpenId, mode ?? "aes");

        if (problem is not null)
        {
            body.Append("<div class=\"card\"><p><strong>未发送</strong></p><p class=\"muted\">").Append(E(problem)).Append("</p></div>");
        }

        if (result is not null)
        {
            var via = result.Via switch
            {
                Via.Passive => "被动回复",
                Via.CustomerService => "客服消息",
                _ => "没有收到回复",
            };
            body.Append("<div class=\"card\">");
            if (note is not null)
            {
                body.Append("<p class=\"muted\">").Append(E(note)).Append("</p>");
            }

            body.Append("<p><strong>").Append(via).Append("</strong></p>");
            if (result.Reply.Length > 0)
            {
                body.Append("<p class=\"pre\">").Append(E(result.Reply)).Append("</p>");
            }

            body.Append("<p class=\"muted\">尝试 ").Append(result.Attempts).Append(" 次，用时 ").Append(result.ElapsedMs).Append(" ms</p>");
            if (result.Errors.Count > 0)
            {
                body.Append("<ul class=\"muted\">");
                foreach (var error in result.Errors)
                {
                    body.Append("<li>").Append(E(error)).Append("</li>");
                }

                body.Append("</ul>");
            }

            body.Append("</div>");
        }

        body.Append("<div class=\"card\"><p><strong>").Append(E(user.Nickname)).Append(" 收到的消息</strong> ")
            .Append("<a class=\"muted\" href=\"").Append(Path).Append("?openid=").Append(Uri.EscapeDataString(user.OpenId)).Append("&amp;mode=").Append(mode).Append("\">刷新</a></p>");
        var received = conversation.Received();
        if (received.Count == 0)
        {
            body.Append("<p class=\"muted\">还没有收到消息。</p>");
        }

        foreach (var message in received.Reverse())
        {
            var label = message.Via switch
            {
                Via.Passive => "被动回复",
                Via.CustomerService => "客服消息",
                Via.Template => "模板消息",
                _ => "微信提示",
            };
            body.Append("<div class=\"user\"><span><small class=\"muted\">").Append(label).Append(" · ").Append(E(message.MsgType))
                .Append(" · ").Append(E(Local(message.At))).Append("</small><br><span class=\"pre\">")
                .Append(E(message.Text)).Append("</span>");
            if (message.Url is { } url)
            {
                body.Append("<br><a class=\"muted\" href=\"").Append(E(url)).Append("\" target=\"_blank\" rel=\"noopener\">详情</a>");
            }

            body.Append("</span></div>");
        }

        body.Append("</div><p class=\"muted\"><a href=\"/\">返回首页</a></p>");
        return Render("公众号聊天（模拟器）", body.ToString());
    }

    /// <summary>The account's custom menu: click buttons send the CLICK event, view buttons open their page.</summary>
    private static void AppendMenu(StringBuilder body, IReadOnlyList<MenuButton>? menu, string openId, string mode)
    {
        if (menu is null)
        {
            return;
        }

        body.Append("<div class=\"card\"><p><strong>公众号菜单</strong></p>");
        foreach (var top in menu)
        {
            if (top.SubButtons.Count == 0)
            {
                AppendMenuButton(body, top, openId, mode);
                continue;
            }

            body.Append("<p class=\"muted\">").Append(E(top.Name)).Append("</p>");
            foreach (var sub in top.SubButtons)
            {
                AppendMenuButton(body, sub, openId, mode);
            }
        }

        body.Append("</div>");
    }

    private static void AppendMenuButton(StringBuilder body, MenuButton button, string openId, string mode)
    {
        if (button.Type == "view")
        {
            body.Append("<p><a class=\"button deny\" href=\"").Append(E(button.Url)).Append("\" target=\"_blank\" rel=\"noopener\">")
                .Append(E(button.Name)).Append("</a></p>");
            return;
        }

        body.Append("<form method=\"post\" action=\"").Append(Path).Append("\"><p>")
            .Append("<input type=\"hidden\" name=\"openid\" value=\"").Append(E(openId)).Append("\">")
            .Append("<input type=\"hidden\" name=\"mode\" value=\"").Append(E(mode)).Append("\">")
            .Append("<input type=\"hidden\" name=\"eventKey\" value=\"").Append(E(button.Key)).Append("\">")
            .Append("<button class=\"deny\" type=\"submit\" name=\"type\" value=\"click\">").Append(E(button.Name)).Append("</button></p></form>");
    }

    /// <summary>The open quotas as the page shows them, e.g. 「用户消息 已用 1/5 条，至 …」.</summary>
    private static string Quotas(IReadOnlyList<ServiceGrant> grants) => grants.Count == 0
        ? "无"
        : string.Join("，", grants.Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{QuotaNames.GetValueOrDefault(g.Kind, g.Kind)} 已用 {g.Used}/{g.Allowed} 条，至 {Local(g.Until)}")));

    private static readonly Dictionary<string, string> QuotaNames = new(StringComparer.Ordinal)
    {
        ["message"] = "用户消息",
        ["click"] = "点击菜单",
        ["follow"] = "关注",
        ["scan"] = "扫码",
    };

    private static string Local(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
