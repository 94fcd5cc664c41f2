using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.CrmApp.Pages.Login.Weixin;

/// <summary>
/// <c>/login/weixin/done?ticket=</c>: redeems the ticket with the login id from this browser's cookie.
/// A bound WeChat user is signed in; an unknown one goes on to 「绑定已有账号」/「新建账号」.
/// </summary>
public sealed class DoneModel(IGatewayApi gateway, WeixinLoginCookies cookies, WeixinLoginCompletion completion, ILogger<DoneModel> logger) : PageModel
{
    public string Message { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string? ticket)
    {
        var pending = cookies.ReadLogin(HttpContext);
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 256 || pending is null)
        {
            // Note: no cookie means the ticket was opened in another browser than the one that pressed 「微信登录」
            // (or the login is older than its cookie): refused, so a forwarded link cannot sign anyone in.
            logger.LogWarning("WeChat login return refused: {Reason}", pending is null ? "no valid login cookie" : "no ticket");
            return RedirectToLogin(LoginErrors.TicketInvalid);
        }

        RedeemTicketResponse redeemed;
        try
        {
            redeemed = await gateway.RedeemAsync(pending.LoginId, new RedeemTicketRequest(ticket), HttpContext.RequestAborted);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            var code = GatewayFailures.RedeemErrorCode(ex);
            logger.LogWarning("WeChat ticket refused by the gateway: {Code}", code);
            cookies.ClearLogin(HttpContext);
            return RedirectToLogin(code);
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not redeem a WeChat ticket: gateway unavailable");
            Message = "内网微信网关暂时不可用，请稍后重新点击「微信登录」，或使用账号密码登录。";
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Page();
        }

        cookies.ClearLogin(HttpContext);
        return LocalRedirect(await completion.CompleteAsync(HttpContext, redeemed.User, pending.ReturnUrl, confirmedByNumber: false, Url));
    }

    private RedirectResult RedirectToLogin(string code) => Redirect("/login?err=" + Uri.EscapeDataString(code));
}
