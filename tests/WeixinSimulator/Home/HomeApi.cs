using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;
using Weixin.Inbox.WeixinSimulator.Users;
using static Weixin.Inbox.WeixinSimulator.Html.HtmlPage;

namespace Weixin.Inbox.WeixinSimulator.Home;

/// <summary>The index page and the health check.</summary>
internal static class HomeApi
{
    public static IEndpointRouteBuilder MapHome(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", Index);
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        return app;
    }

    private static ContentHttpResult Index(UserDirectory users, IOptions<SimulatorOptions> options, MenuStore menus, TemplateMessages templates)
    {
        var appId = options.Value.AppId;
        var body = new StringBuilder()
            .Append("<div class=\"card\"><p>本服务在本机模拟微信的服务器（网页授权、接口调用、消息推送），供演示与端到端测试使用。")
            .Append("数据只保存在内存中，重启即清空。</p>")
            .Append("<p class=\"muted\">AppID：<code>").Append(E(appId)).Append("</code>；原始 ID：<code>").Append(E(options.Value.OriginalId)).Append("</code></p>")
            .Append("<p class=\"muted\">消息推送地址：<code>").Append(E(string.IsNullOrEmpty(options.Value.CallbackUrl) ? "未设置（消息功能关闭）" : options.Value.CallbackUrl)).Append("</code></p>")
            .Append("<p><a class=\"button allow\" href=\"").Append(ChatPage.Path).Append("\">以测试用户身份聊天</a></p></div>")
            .Append("<div class=\"card\"><p><strong>测试用户</strong></p>");

        foreach (var user in users.All())
        {
            body.Append("<div class=\"user\"><img alt=\"\" src=\"").Append(E(user.AvatarUrl)).Append("\"><span>")
                .Append(E(user.Nickname)).Append("<br><small class=\"muted\">").Append(E(user.OpenId)).Append("</small></span></div>");
        }

        body.Append("<p class=\"muted\"><a href=\"/sim/users\">/sim/users</a>（JSON）</p></div>")
            .Append("<div class=\"card\"><p><strong>公众号菜单</strong></p>");
        if (menus.Current is not { } menu)
        {
            body.Append("<p class=\"muted\">尚未创建（<code>POST /cgi-bin/menu/create</code>）</p>");
        }
        else
        {
            body.Append("<ul>");
            foreach (var top in menu)
            {
                body.Append("<li>").Append(MenuLine(top));
                if (top.SubButtons.Count > 0)
                {
                    body.Append("<ul>");
                    foreach (var sub in top.SubButtons)
                    {
                        body.Append("<li>").Append(MenuLine(sub)).Append("</li>");
                    }

                    body.Append("</ul>");
                }

                body.Append("</li>");
            }

            body.Append("</ul><p class=\"muted\">在<a href=\"").Append(ChatPage.Path).Append("\">聊天页面</a>中点击菜单</p>");
        }

        var duplicateAnswer = options.Value.DuplicateClientMsgId == DuplicateClientMsgIdAnswer.Error ? "返回 47003" : "返回第一次的 msgid";
        body.Append("</div><div class=\"card\"><p><strong>模板消息</strong></p><ul>");
        foreach (var template in templates.Templates)
        {
            body.Append("<li><code>").Append(E(template.Id)).Append("</code> ").Append(E(template.Title))
                .Append("<br><small class=\"muted pre\">").Append(E(template.Content)).Append("</small></li>");
        }

        body.Append("</ul><p class=\"muted\">每分钟限额：")
            .Append(templates.QuotaPerMinute > 0 ? templates.QuotaPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) : "不限")
            .Append("</p></div>")
            .Append("<div class=\"card\"><p><strong>模拟的微信接口</strong></p><ul>")
            .Append("<li><code>GET ").Append(AuthorizeApi.AuthorizePath).Append("</code> 授权页（选择用户，「同意」/「拒绝」）；")
            .Append("脚本可加 <code>sim_user=&lt;openid&gt;&amp;sim_auto=allow|deny</code> 跳过页面，<code>sim_snapshot=1</code> 以快照页模式打开（虚拟用户）。")
            .Append("与微信一致：只在微信浏览器中可用（User-Agent 含 MicroMessenger，否则显示「请在微信客户端打开链接」）；")
            .Append("redirect_uri 须在网页授权域名（").Append(E(string.Join("、", options.Value.EffectiveOAuthDomains))).Append("，只比较主机名）下；")
            .Append("state 只能是 a-zA-Z0-9、最多 128 字节；")
            .Append(options.Value.DenyRedirects ? "「拒绝」后带 state 跳回 redirect_uri</li>" : "「拒绝」后停留在微信页面，不跳回</li>")
            .Append("<li><code>GET /sns/oauth2/access_token</code> 用 code 换取 access_token（code 一次性，5 分钟有效）</li>")
            .Append("<li><code>GET /sns/oauth2/refresh_token</code> 刷新 access_token</li>")
            .Append("<li><code>GET /sns/userinfo</code> 拉取用户信息（性别、地区按微信现行规则返回空值）</li>")
            .Append("<li><code>GET /sns/auth</code> 检验 access_token 是否有效</li>")
            .Append("<li><code>GET /cgi-bin/token</code>、<code>POST /cgi-bin/stable_token</code> 获取接口调用凭据（新 token 生成后旧 token 最多再用 5 分钟）</li>")
            .Append("<li><code>POST /cgi-bin/message/custom/send</code> 客服消息（用户 48 小时内互动过才能收到，否则 45015）</li>")
            .Append("<li><code>POST /cgi-bin/message/template/send</code> 模板消息（未关注 43004，模板不存在 40037，超出限额 45009；")
            .Append("关键词缺失或不符合类型 47003：thing ≤20 字、character_string ≤32 位字母数字符号、phrase ≤5 个汉字、time/date 格式等，不能换行；")
            .Append("first、remark、颜色不再显示；同一用户同一 <code>client_msg_id</code> 10 分钟内只发送一次，重复时")
            .Append(duplicateAnswer).Append("）</li>")
            .Append("<li><code>GET /cgi-bin/template/get_all_private_template</code> 模板列表（模板 ID、标题、内容中的关键词）</li>")
            .Append("<li><code>POST /cgi-bin/menu/create</code>、<code>GET /cgi-bin/menu/get</code>、<code>GET /cgi-bin/menu/delete</code>、")
            .Append("<code>GET /cgi-bin/get_current_selfmenu_info</code> 自定义菜单（view、click 按钮）</li>")
            .Append("<li><code>POST /cgi-bin/qrcode/create</code> 生成带参数的二维码（QR_SCENE、QR_STR_SCENE、QR_LIMIT_SCENE、QR_LIMIT_STR_SCENE；")
            .Append("临时二维码默认 60 秒、最长 2592000 秒；仅已认证服务号），二维码内容为本模拟器的 <code>/q/…</code> 地址</li>")
            .Append("<li>消息推送：按微信的方式签名（明文、兼容、安全模式）POST 到消息推送地址，5 秒超时，共尝试 3 次</li></ul></div>")
            .Append("<div class=\"card\"><p><strong>控制接口（测试用）</strong></p><ul>")
            .Append("<li><code>GET|POST /sim/users</code> 查看、添加或替换测试用户</li>")
            .Append("<li><code>GET /sim/stats</code> 调用次数与错误码统计</li>")
            .Append("<li><code>POST /sim/users/{openid}/messages</code> 让用户发送 text / click / subscribe / unsubscribe，返回用户看到的回复</li>")
            .Append("<li><code>GET /sim/users/{openid}/received</code> 用户收到的全部消息（被动回复、客服消息、模板消息、微信提示）</li>")
            .Append("<li><code>POST /sim/users/{openid}/scan</code> 让用户扫描二维码（<code>{\"url\":\"二维码内容\",\"mode\":\"plain|compat|aes\"}</code>）：")
            .Append("已关注推送 SCAN，未关注则关注并推送带 qrscene_ 的 subscribe；过期或未知的二维码返回 410 / 404，不推送</li>")
            .Append("<li><code>GET /sim/chat</code> 聊天页面（含「扫一扫」）</li>")
            .Append("<li><code>GET|POST|DELETE /sim/faults</code> 让接下来 n 次换取 access_token 返回指定错误码或延迟（<code>accessTokenErrcode</code>、<code>delayMs</code>），")
            .Append("或让接下来 n 次模板消息返回指定错误码（<code>templateErrcode</code>），")
            .Append("或让接下来 n 次 cgi-bin/token、stable_token 返回指定错误码（<code>apiTokenErrcode</code>，如 40164）</li>")
            .Append("<li><code>POST /sim/users/{openid}/conversation</code> 直接设置关注状态（<code>following</code>）或打开 48 小时客服窗口（<code>interacted: true</code>）</li>")
            .Append("<li><code>GET /healthz</code> 健康检查</li></ul></div>");

        return Render("微信模拟器", body.ToString());
    }

    private static string MenuLine(MenuButton button) => button.Type switch
    {
        "view" => $"{E(button.Name)} <small class=\"muted\">view → <code>{E(button.Url)}</code></small>",
        "click" => $"{E(button.Name)} <small class=\"muted\">click → <code>{E(button.Key)}</code></small>",
        _ => E(button.Name),
    };
}
