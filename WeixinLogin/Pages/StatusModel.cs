using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.WeixinLogin.Pages;

/// <summary>
/// <c>GET /login/weixin/status?wait=</c>: the one long-poll of the pages that wait for a number confirmation (the
/// desktop 扫码登录 page and the new-device confirmation page). It follows the gateway login held in this browser's
/// login cookie; once the gateway reports <c>confirmed</c> it redeems the ticket here, server-side (the ticket never
/// reaches the browser), finishes the login like the phone does and answers where to go.
/// </summary>
/// <remarks>
/// Note: one page model for CrmApp and IdentityProvider (each app's <c>Pages/Login/Weixin/Status.cshtml</c> names it, so
/// the route stays the app's); what happens after the gateway vouched for the user is the app's
/// <see cref="IWeixinLoginCompletion"/>, the login cookie the app's <see cref="IPendingLoginCookie"/>.
/// </remarks>
public sealed class StatusModel(IGatewayApi gateway, IPendingLoginCookie cookies, IWeixinLoginCompletion completion, ILogger<StatusModel> logger) : PageModel
{
    /// <summary>Longest wait per request: below the gateway client's 10 s timeout.</summary>
    public const int MaxWaitSeconds = 8;

    /// <summary>State answered when this browser has no login to follow (cookie missing or expired).</summary>
    public const string NoLogin = "none";

    /// <summary>State answered when the login cannot finish (ticket refused, already handed out, wrong user).</summary>
    public const string Failed = "failed";

    /// <summary>State answered when the gateway could not be asked.</summary>
    public const string Unavailable = "unavailable";

    public async Task<IActionResult> OnGetAsync(int? wait)
    {
        Response.Headers.CacheControl = "no-store";
        var pending = cookies.ReadLogin(HttpContext);
        if (pending is null)
        {
            return Answer(NoLogin, message: "登录已失效，请刷新二维码或重新登录。");
        }

        ScanLoginStatus status;
        try
        {
            status = await gateway.GetScanLoginAsync(pending.LoginId, Math.Clamp(wait ?? 0, 0, MaxWaitSeconds), HttpContext.RequestAborted);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogWarning("Gateway refused the state of login {LoginRef} ({Status})", LogRef.Of(pending.LoginId), (int)ex.StatusCode);
            cookies.ClearLogin(HttpContext);
            return Answer(NoLogin, message: "登录已失效，请刷新二维码或重新登录。");
        }
        catch (OperationCanceledException) when (HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Note: the page was closed or navigated away mid-poll: nothing went wrong, nobody is waiting for an answer.
            return new EmptyResult();
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not ask the gateway for login {LoginRef}", LogRef.Of(pending.LoginId));
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Answer(Unavailable, message: "内网微信网关暂时不可用，正在重试…");
        }

        switch (status.State)
        {
            case ScanLoginStates.Waiting:
            case ScanLoginStates.Scanned:
                return Answer(status.State, status.ExpiresAt, status.ConfirmCode);
            case ScanLoginStates.Confirmed when status.Ticket is { } ticket:
                return await FinishAsync(pending, ticket);
            case ScanLoginStates.Confirmed:
                // Note: the ticket is handed out once; another tab (or a lost answer) took it.
                logger.LogWarning("Login {LoginRef} confirmed but its ticket was already handed out", LogRef.Of(pending.LoginId));
                cookies.ClearLogin(HttpContext);
                return Answer(Failed, message: "本次登录已在其他页面完成或已失效，请刷新后重试。");
            case ScanLoginStates.Cancelled:
                cookies.ClearLogin(HttpContext);
                return Answer(status.State, message: "本次登录已取消（数字三次不对，或已在其他页面重新登录）。");
            default:
                cookies.ClearLogin(HttpContext);
                return Answer(ScanLoginStates.Expired, message: "已过期，请刷新后重试。");
        }
    }

    private async Task<IActionResult> FinishAsync(PendingLogin pending, string ticket)
    {
        RedeemTicketResponse redeemed;
        try
        {
            redeemed = await gateway.RedeemAsync(pending.LoginId, new RedeemTicketRequest(ticket), HttpContext.RequestAborted);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogWarning("Ticket of confirmed login {LoginRef} refused by the gateway: {Code}", LogRef.Of(pending.LoginId), GatewayFailures.RedeemErrorCode(ex));
            cookies.ClearLogin(HttpContext);
            return Answer(Failed, message: "登录凭据无效，请刷新后重试。");
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not redeem the ticket of confirmed login {LoginRef}: gateway unavailable", LogRef.Of(pending.LoginId));
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Answer(Failed, message: "内网微信网关暂时不可用，请稍后刷新重试。");
        }

        cookies.ClearLogin(HttpContext);
        if (pending.ExpectedOpenId is { } expected && !string.Equals(expected, redeemed.User.OpenId, StringComparison.Ordinal))
        {
            // Note: cannot happen with an honest gateway (it asked exactly this user); refused rather than trusted.
            logger.LogError("Confirmation {LoginRef} was asked of {Expected} but its ticket is for {Actual}; not signed in", LogRef.Of(pending.LoginId), expected, redeemed.User.OpenId);
            return Answer(Failed, message: "确认的微信用户与登录的用户不一致，已拒绝本次登录。");
        }

        var next = await completion.CompleteAsync(HttpContext, redeemed.User, pending.ReturnUrl, confirmedByNumber: true, Url);
        return Answer(ScanLoginStates.Confirmed, redirect: next);
    }

    private static JsonResult Answer(string state, DateTimeOffset? expiresAt = null, string? confirmCode = null, string? redirect = null, string? message = null) =>
        new(new { state, expiresAt, confirmCode, redirect, message });
}
