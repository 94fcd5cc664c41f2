using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>
/// Pages opened inside WeChat (a template message's link, the 公众号 menu) sign in with WeChat straight away:
/// WeChat's in-app browser is sent to <c>/login/weixin?returnUrl=…</c> instead of the password form.
/// </summary>
public static class WeixinBrowser
{
    /// <summary>
    /// What the login pages say outside WeChat instead of offering a 「微信登录」 that cannot work: there WeChat's
    /// authorize page only shows 「请在微信客户端打开链接」 and never issues a code
    /// (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).
    /// </summary>
    public const string OpenInWeixinHint =
        "微信登录只能在微信里使用：请在微信中打开公众号，点击菜单「进入CRM」登录；在电脑或其他浏览器上请使用账号密码登录。";

    /// <summary>
    /// WeChat's in-app browser names itself in the User-Agent (<c>… MicroMessenger/8.0.47 …</c>; also the Windows/Mac
    /// clients' browser). Only there can WeChat's web authorization issue a code.
    /// </summary>
    public static bool IsWeixin(HttpRequest request) =>
        request.Headers.UserAgent.ToString().Contains("MicroMessenger", StringComparison.OrdinalIgnoreCase);

    /// <summary>Wraps the cookie handler's redirect to <c>/login</c>: WeChat's browser goes to the WeChat login instead.</summary>
    public static Func<RedirectContext<CookieAuthenticationOptions>, Task> RedirectToLogin(Func<RedirectContext<CookieAuthenticationOptions>, Task> fallback) =>
        context =>
        {
            var request = context.Request;
            if (!HttpMethods.IsGet(request.Method) || !IsWeixin(request))
            {
                return fallback(context);
            }

            // Note: a local path only (never the Host header's idea of the site); /login/weixin checks it again.
            var returnUrl = (request.PathBase + request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
            context.Response.Redirect("/login/weixin?returnUrl=" + Uri.EscapeDataString(returnUrl));
            return Task.CompletedTask;
        };
}
