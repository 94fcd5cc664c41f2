using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.CrmApp.Pages.Login.Weixin;

/// <summary>
/// <c>/login/weixin</c> (the 「微信登录」 button and the 公众号 menu): asks the gateway for a login, keeps its id in a
/// cookie and sends the browser to WeChat's authorize page.
/// </summary>
public sealed class IndexModel(IGatewayApi gateway, IOptions<GatewayOptions> options, WeixinLoginCookies cookies, ILogger<IndexModel> logger) : PageModel
{
    /// <summary>
    /// What the login pages say outside WeChat instead of offering a 「微信登录」 that cannot work: there WeChat's
    /// authorize page only shows 「请在微信客户端打开链接」 and never issues a code
    /// (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).
    /// </summary>
    public const string OpenInWeixinHint =
        "微信登录只能在微信里使用：请在微信中打开公众号，点击菜单「进入CRM」登录；在电脑或其他浏览器上请使用账号密码登录。";

    public string Message { get; private set; } = "";

    /// <summary>True when opened outside WeChat's browser, where WeChat's authorize page can never issue a code.</summary>
    public bool OutsideWeixin { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        var target = ReturnUrls.LocalOrHome(Url, returnUrl);
        if (User.Identity?.IsAuthenticated == true)
        {
            return LocalRedirect(target);
        }

        if (!WeixinBrowser.IsWeixin(Request))
        {
            // Note: WeChat would only show 「请在微信客户端打开链接」; no login is started for a redirect that cannot succeed.
            logger.LogInformation("WeChat login asked for outside WeChat's browser; pointing to the 公众号 menu or the password");
            OutsideWeixin = true;
            Message = OpenInWeixinHint;
            return Page();
        }

        // Note: a previous 「微信登录」 whose consent was refused never comes back (WeChat keeps the user on its page);
        // its login simply expires at the gateway, and this new one replaces its cookie.

        var baseUrl = options.Value.PublicBaseUrl.TrimEnd('/');
        try
        {
            var login = await gateway.CreateLoginAsync(new CreateLoginRequest(baseUrl + "/login/weixin/done", baseUrl + "/login"), HttpContext.RequestAborted);
            cookies.SetLogin(HttpContext, new PendingLogin(login.LoginId, target), login.ExpiresAt);
            return Redirect(login.AuthorizeUrl);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            // Note: the gateway refuses our own return URL: a configuration mismatch (Gateway:PublicBaseUrl vs OAuth:AllowedReturnPrefixes).
            logger.LogError("The gateway refused to start a WeChat login ({Status}): {Problem}", (int)ex.StatusCode, ex.Content);
            Message = "微信登录配置有误（本系统的地址未被微信网关允许），请联系管理员。";
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not start a WeChat login: gateway unavailable");
            // Note: the gateway is up but could not tell the public inbox about the login (503 inbox_unavailable).
            Message = ex is ApiException api && GatewayFailures.ProblemCode(api) == LoginErrors.InboxUnavailable
                ? LoginErrors.Describe(LoginErrors.InboxUnavailable)
                : "内网微信网关暂时不可用，请稍后重试，或使用账号密码登录。";
        }

        Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return Page();
    }
}
