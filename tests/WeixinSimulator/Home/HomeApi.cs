using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
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

    private static ContentHttpResult Index(UserDirectory users, IOptions<SimulatorOptions> options)
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
            .Append("<div class=\"card\"><p><strong>模拟的微信接口</strong></p><ul>")
            .Append("<li><code>GET ").Append(AuthorizeApi.AuthorizePath).Append("</code> 授权页（选择用户，「同意」/「拒绝」）；")
            .Append("脚本可加 <code>sim_user=&lt;openid&gt;&amp;sim_auto=allow|deny</code> 跳过页面</li>")
            .Append("<li><code>GET /sns/oauth2/access_token</code> 用 code 换取 access_token（code 一次性，5 分钟有效）</li>")
            .Append("<li><code>GET /sns/oauth2/refresh_token</code> 刷新 access_token</li>")
            .Append("<li><code>GET /sns/userinfo</code> 拉取用户信息（性别、地区按微信现行规则返回空值）</li>")
            .Append("<li><code>GET /sns/auth</code> 检验 access_token 是否有效</li>")
            .Append("<li><code>GET /cgi-bin/token</code>、<code>POST /cgi-bin/stable_token</code> 获取接口调用凭据（新 token 生成后旧 token 最多再用 5 分钟）</li>")
            .Append("<li><code>POST /cgi-bin/message/custom/send</code> 客服消息（用户 48 小时内互动过才能收到，否则 45015）</li>")
            .Append("<li>消息推送：按微信的方式签名（明文、兼容、安全模式）POST 到消息推送地址，5 秒超时，共尝试 3 次</li></ul></div>")
            .Append("<div class=\"card\"><p><strong>控制接口（测试用）</strong></p><ul>")
            .Append("<li><code>GET|POST /sim/users</code> 查看、添加或替换测试用户</li>")
            .Append("<li><code>GET /sim/stats</code> 调用次数与错误码统计</li>")
            .Append("<li><code>POST /sim/users/{openid}/messages</code> 让用户发送 text / click / subscribe / unsubscribe，返回用户看到的回复</li>")
            .Append("<li><code>GET /sim/users/{openid}/received</code> 用户收到的全部消息（被动回复、客服消息、微信提示）</li>")
            .Append("<li><code>GET /sim/chat</code> 聊天页面</li>")
            .Append("<li><code>GET|POST|DELETE /sim/faults</code> 让接下来 n 次换取 access_token 返回指定错误码或延迟</li>")
            .Append("<li><code>GET /healthz</code> 健康检查</li></ul></div>");

        return Render("微信模拟器", body.ToString());
    }
}
