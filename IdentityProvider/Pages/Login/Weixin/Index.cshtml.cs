using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IdentityProvider.Sessions;
using Weixin.Inbox.IdentityProvider.Weixin;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.IdentityProvider.Pages.Login.Weixin;

/// <summary>
/// <c>/login/weixin?returnUrl=</c> (WeChat's browser): asks the gateway for a login, keeps its id in a cookie and sends
/// the browser to WeChat's authorize page through the gateway and the public inbox (as CrmApp's /login/weixin).
/// </summary>
public sealed class IndexModel(IGatewayApi gateway, IOptions<GatewayOptions> options, WeixinLoginCookies cookies, ILogger<IndexModel> logger) : PageModel
{
    public string Message { get; private set; } = "";
    public string ReturnUrl { get; private set; } = "/";

    /// <summary>True when opened outside WeChat's browser, where WeChat's authorize page can never issue a code.</summary>
    public bool OutsideWeixin { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        ReturnUrl = WeixinLoginCompletion.LocalOrHome(returnUrl);
        if (SsoSession.Read(User) is not null)
        {
            return LocalRedirect(ReturnUrl);
        }

        if (!WeixinBrowser.IsWeixin(Request))
        {
            OutsideWeixin = true;
            Message = "微信网页登录只能在微信里使用；在电脑上请扫码登录。";
            return Page();
        }

        var baseUrl = options.Value.PublicBaseUrl.TrimEnd('/');
        try
        {
            var login = await gateway.CreateLoginAsync(new CreateLoginRequest(baseUrl + "/login/weixin/done", baseUrl + "/login"), HttpContext.RequestAborted);
            cookies.SetLogin(HttpContext, new PendingLogin(login.LoginId, ReturnUrl), login.ExpiresAt);
            return Redirect(login.AuthorizeUrl);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            // Note: the gateway refuses our own return URL: Gateway:PublicBaseUrl vs its OAuth:AllowedReturnPrefixes.
            logger.LogError("The gateway refused to start a WeChat login ({Status}): {Problem}", (int)ex.StatusCode, ex.Content);
            Message = "微信登录配置有误（本服务的地址未被微信网关允许），请联系管理员。";
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not start a WeChat login: gateway unavailable");
            Message = ex is ApiException api && GatewayFailures.ProblemCode(api) == LoginErrors.InboxUnavailable
                ? LoginErrors.Describe(LoginErrors.InboxUnavailable)
                : "内网微信网关暂时不可用，请稍后重试。";
        }

        Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return Page();
    }
}
