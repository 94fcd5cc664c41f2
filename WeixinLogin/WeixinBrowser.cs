using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Weixin.Inbox.WeixinLogin;

/// <summary>
/// WeChat's in-app browser: only there can WeChat's web authorization issue a code. CrmApp sends pages opened inside
/// WeChat (a template message's link, the 公众号 menu) to <c>/login/weixin?returnUrl=…</c> instead of the password
/// form; both apps' login pages offer the 扫码登录 QR code elsewhere.
/// </summary>
public static class WeixinBrowser
{
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
