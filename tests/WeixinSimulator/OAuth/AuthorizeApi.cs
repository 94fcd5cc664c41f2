using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Users;
using static Weixin.Inbox.WeixinSimulator.Html.HtmlPage;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>
/// open.weixin.qq.com's web authorization: the consent page, and the decision that sends the browser back to
/// redirect_uri with <c>code</c> and <c>state</c> (a refusal stays on WeChat's page unless <c>DenyRedirects</c>).
/// </summary>
internal static class AuthorizeApi
{
    public const string AuthorizePath = "/connect/oauth2/authorize";
    public const string DecidePath = "/connect/oauth2/authorize/decide";

    public static IEndpointRouteBuilder MapAuthorize(this IEndpointRouteBuilder app)
    {
        app.MapGet(AuthorizePath, Authorize).RequireWebAuthorizationPage();
        // Note: the form is read by hand, so no antiforgery metadata applies; WeChat's page has none either.
        app.MapPost(DecidePath, DecideAsync).RequireWebAuthorizationPage();
        return app;
    }

    /// <summary>
    /// Shows the consent page, or with <c>sim_user=&lt;openid&gt;&amp;sim_auto=allow|deny</c> decides at once
    /// (for scripts and end-to-end tests that do not drive a browser); <c>sim_snapshot=1</c> opens the page in
    /// 快照页模式 at once (a virtual user, no consent).
    /// </summary>
    private static Results<ContentHttpResult, RedirectHttpResult> Authorize(HttpRequest request, [AsParameters] OAuthServices s)
    {
        if (OutsideWeixin(request, s) is { } outside)
        {
            return outside;
        }

        var authorize = AuthorizeRequest.Read(name => request.Query[name].FirstOrDefault());
        if (authorize.Validate(s.Settings) is { } problem)
        {
            s.Logger.LogWarning("Authorize refused: {Problem}", problem);
            return Error(problem);
        }

        var snapshot = request.Query["sim_snapshot"].FirstOrDefault();
        if (snapshot is not (null or "" or "0" or "1"))
        {
            return Error("sim_snapshot 参数错误", "sim_snapshot 只能是 0 或 1");
        }

        var auto = request.Query["sim_auto"].FirstOrDefault();
        var simUser = request.Query["sim_user"].FirstOrDefault();
        var chosen = simUser is null or "" ? s.Users.First() : s.Users.Find(simUser);
        if (snapshot == "1")
        {
            if (chosen is null)
            {
                return Error("测试用户不存在", simUser);
            }

            // Note: a snapshot page shows no consent sheet: the page opens at once with a code for a virtual user.
            return Decide(authorize, chosen, allow: true, s, forceSnapshot: true);
        }

        return auto switch
        {
            null or "" => ConsentPage(authorize, s.Users.All()),
            "allow" => chosen is not null ? Decide(authorize, chosen, allow: true, s) : Error("测试用户不存在", simUser),
            "deny" => Decide(authorize, null, allow: false, s),
            _ => Error("sim_auto 参数错误", "sim_auto 只能是 allow 或 deny"),
        };
    }

    /// <summary>
    /// WeChat's authorize page only works inside WeChat's own browser (user agent with <c>MicroMessenger</c>, also the
    /// Windows/Mac clients'); anywhere else it shows 「请在微信客户端打开链接」 and never issues a code.
    /// </summary>
    private static ContentHttpResult? OutsideWeixin(HttpRequest request, OAuthServices s)
    {
        // Rule: web authorization happens "在微信客户端中访问第三方网页"; other browsers get 「请在微信客户端打开链接」:
        // https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
        if (request.Headers.UserAgent.ToString().Contains("MicroMessenger", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        s.Logger.LogWarning("Authorize page opened outside WeChat (user agent {UserAgent}); no code issued", request.Headers.UserAgent.ToString());
        return Render("微信授权（模拟器）",
            """
            <div class="error" id="open-in-weixin"><div class="icon">!</div>
            <h2>请在微信客户端打开链接</h2>
            <p class="muted">此页面只能在微信内置浏览器中打开（User-Agent 需含 MicroMessenger）。</p>
            </div>
            """);
    }

    private static async Task<Results<ContentHttpResult, RedirectHttpResult>> DecideAsync(HttpRequest request, [AsParameters] OAuthServices s)
    {
        if (!request.HasFormContentType)
        {
            return Error("参数错误", "需要表单提交");
        }

        if (OutsideWeixin(request, s) is { } outside)
        {
            return outside;
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var authorize = AuthorizeRequest.Read(name => form[name].FirstOrDefault());
        if (authorize.Validate(s.Settings) is { } problem)
        {
            return Error(problem);
        }

        var decision = form["decision"].FirstOrDefault();
        if (decision == "deny")
        {
            return Decide(authorize, null, allow: false, s);
        }

        if (decision != "allow")
        {
            return Error("参数错误", "请点击「同意」或「拒绝」");
        }

        var openId = form["sim_user"].FirstOrDefault();
        return s.Users.Find(openId) is { } user
            ? Decide(authorize, user, allow: true, s)
            : Error("测试用户不存在", openId ?? "请选择一个测试用户");
    }

    private static Results<ContentHttpResult, RedirectHttpResult> Decide(
        AuthorizeRequest authorize, TestUser? user, bool allow, OAuthServices s, bool forceSnapshot = false)
    {
        if (!allow)
        {
            if (s.Settings.DenyRedirects)
            {
                // Note: Simulator:DenyRedirects=true: the old documented answer, state only and no code.
                s.Logger.LogInformation("Consent refused; redirecting with state only (DenyRedirects)");
                return TypedResults.Redirect(authorize.RedirectWith(("state", authorize.State)));
            }

            // Rule: today a refused consent sheet just closes; the user stays in WeChat and redirect_uri is never called
            // (the doc only describes the redirect after consent, "用户同意授权后…跳转至 redirect_uri"):
            // https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
            s.Logger.LogInformation("Consent refused; the user stays on WeChat's page, no redirect");
            return Render("微信授权（模拟器）",
                """
                <div class="error" id="consent-refused"><div class="icon">×</div>
                <h2>你已拒绝授权</h2>
                <p class="muted">真实微信此时停留在当前页面，不会跳转回网站。</p>
                </div>
                """);
        }

        if (user is null)
        {
            return Error("没有测试用户", "请先通过 POST /sim/users 添加一个测试用户");
        }

        // Rule: snsapi_userinfo asked at once opens 快照页模式; the code then belongs to a virtual user and the code
        // exchange says is_snapshotuser: 1 (snsapi_base is silent and never a snapshot):
        // https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
        var snapshot = (forceSnapshot || user.Snapshot) && authorize.Scope == AuthorizeRequest.ScopeUserInfo;
        var code = s.Grants.IssueCode(authorize.AppId, user.OpenId, authorize.Scope, snapshot, hasUnionId: user.UnionId is not null);
        s.Stats.CodeIssued();
        s.Logger.LogInformation("Consent given by {OpenId} for {Scope}; code issued{Snapshot}", user.OpenId, authorize.Scope,
            snapshot ? " (snapshot mode: virtual user)" : "");
        return TypedResults.Redirect(authorize.RedirectWith(("code", code), ("state", authorize.State)));
    }

    private static ContentHttpResult ConsentPage(AuthorizeRequest authorize, IReadOnlyList<TestUser> users)
    {
        var asks = authorize.Scope == AuthorizeRequest.ScopeUserInfo
            ? "获得你的公开信息（昵称、头像等）"
            : "获取你的身份标识（静默授权：真实微信不显示此页）";

        var body = new StringBuilder()
            .Append("<div class=\"card\"><p><strong>").Append(E(authorize.AppId)).Append("</strong> 申请</p>")
            .Append("<p class=\"muted\">").Append(E(asks)).Append("</p>")
            .Append("<p class=\"muted\">回调地址：<code>").Append(E(authorize.RedirectUri)).Append("</code></p></div>")
            .Append("<form method=\"post\" action=\"").Append(E(DecidePath)).Append("\">");

        foreach (var (name, value) in new[]
        {
            ("appid", authorize.AppId),
            ("redirect_uri", authorize.RedirectUri),
            ("response_type", authorize.ResponseType),
            ("scope", authorize.Scope),
            ("state", authorize.State),
            ("connect_redirect", authorize.ConnectRedirect ?? ""),
        })
        {
            body.Append("<input type=\"hidden\" name=\"").Append(E(name)).Append("\" value=\"").Append(E(value)).Append("\">");
        }

        body.Append("<div class=\"card\"><p class=\"muted\">选择以哪个测试用户登录：</p>");
        if (users.Count == 0)
        {
            body.Append("<p>还没有测试用户，请先通过 <code>POST /sim/users</code> 添加。</p>");
        }

        for (var i = 0; i < users.Count; i++)
        {
            var user = users[i];
            body.Append("<label class=\"user\"><img alt=\"\" src=\"").Append(E(user.AvatarUrl)).Append("\">")
                .Append("<span>").Append(E(user.Nickname)).Append("<br><small class=\"muted\">").Append(E(user.OpenId)).Append("</small></span>")
                .Append("<input type=\"radio\" name=\"sim_user\" value=\"").Append(E(user.OpenId)).Append('"')
                .Append(i == 0 ? " checked" : "").Append("></label>");
        }

        body.Append("</div><div class=\"buttons\">")
            .Append("<button class=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\">同意</button>")
            .Append("<button class=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">拒绝</button>")
            .Append("</div></form>");

        return Render("微信授权（模拟器）", body.ToString());
    }
}
