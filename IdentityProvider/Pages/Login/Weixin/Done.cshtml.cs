using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Refit;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IdentityProvider.Weixin;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.IdentityProvider.Pages.Login.Weixin;

/// <summary>
/// <c>/login/weixin/done?ticket=</c>: redeems the ticket with the login id from this browser's cookie, then finishes the
/// login (number confirmation on a new device, else the SSO session and back to the authorize request).
/// </summary>
public sealed class DoneModel(IGatewayApi gateway, WeixinLoginCookies cookies, WeixinLoginCompletion completion, ILogger<DoneModel> logger) : PageModel
{
    public string Message { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string? ticket)
    {
        var pending = cookies.ReadLogin(HttpContext);
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 256 || pending is null)
        {
            // Note: no cookie means the ticket was opened in another browser than the one that started the login:
            // refused, so a forwarded link cannot sign anyone in.
            logger.LogWarning("WeChat login return refused: {Reason}", pending is null ? "no valid login cookie" : "no ticket");
            return Redirect("/login?err=" + LoginErrors.TicketInvalid);
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
            return Redirect("/login?err=" + Uri.EscapeDataString(code));
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not redeem a WeChat ticket: gateway unavailable");
            Message = "内网微信网关暂时不可用，请稍后回到应用重新登录。";
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Page();
        }

        cookies.ClearLogin(HttpContext);
        return LocalRedirect(await completion.CompleteAsync(HttpContext, redeemed.User, pending.ReturnUrl, confirmedByNumber: false));
    }
}
