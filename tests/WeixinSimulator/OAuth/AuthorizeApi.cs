using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Users;
using static Weixin.Inbox.WeixinSimulator.Html.HtmlPage;

namespace Weixin.Inbox.WeixinSimulator.OAuth;

/// <summary>
/// open.weixin.qq.com's web authorization: the consent page, and the decision that sends the
/// browser back to redirect_uri with <c>code</c> and <c>state</c> (or only <c>state</c> when refused).
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
    /// (for scripts and end-to-end tests that do not drive a browser).
    /// </summary>
    private static Results<ContentHttpResult, RedirectHttpResult> Authorize(HttpRequest request, [AsParameters] OAuthServices s)
    {
        var authorize = AuthorizeRequest.Read(name => request.Query[name].FirstOrDefault());
        if (authorize.Validate(s.Settings) is { } problem)
        {
            s.Logger.LogWarning("Authorize refused: {Problem}", problem);
            return Error(problem);
        }

        var auto = request.Query["sim_auto"].FirstOrDefault();
        var simUser = request.Query["sim_user"].FirstOrDefault();
        return auto switch
        {
            null or "" => ConsentPage(authorize, s.Users.All()),
            "allow" => simUser is null or "" ? Decide(authorize, s.Users.First(), allow: true, s)
                : s.Users.Find(simUser) is { } user ? Decide(authorize, user, allow: true, s)
                : Error("测试用户不存在", simUser),
            "deny" => Decide(authorize, null, allow: false, s),
            _ => Error("sim_auto 参数错误", "sim_auto 只能是 allow 或 deny"),
        };
    }

    private static async Task<Results<ContentHttpResult, RedirectHttpResult>> DecideAsync(HttpRequest request, [AsParameters] OAuthServices s)
    {
        if (!request.HasFormContentType)
        {
            return Error("参数错误", "需要表单提交");
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

    private static Results<ContentHttpResult, RedirectHttpResult> Decide(AuthorizeRequest authorize, TestUser? user, bool allow, OAuthServices s)
    {
        if (!allow)
        {
            // Note: a refused consent comes back with state only, no code, exactly as WeChat does.
            s.Logger.LogInformation("Consent refused; redirecting with state only");
            return TypedResults.Redirect(authorize.RedirectWith(("state", authorize.State)));
        }

        if (user is null)
        {
            return Error("没有测试用户", "请先通过 POST /sim/users 添加一个测试用户");
        }

        var code = s.Grants.IssueCode(authorize.AppId, user.OpenId, authorize.Scope);
        s.Stats.CodeIssued();
        s.Logger.LogInformation("Consent given by {OpenId} for {Scope}; code issued", user.OpenId, authorize.Scope);
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
