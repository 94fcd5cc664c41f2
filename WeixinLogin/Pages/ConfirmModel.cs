using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.WeixinLogin.Confirmation;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.WeixinLogin.Pages;

/// <summary>
/// <c>/login/weixin/confirm</c>: a WeChat login on a device new for that WeChat user waits here for the two-digit
/// number sent in the 公众号 chat. The number is rendered from the gateway's state of the confirmation held in this
/// browser's login cookie (never taken from the browser); the page's script then follows
/// <c>/login/weixin/status</c>, which redeems the ticket server-side once the number arrived.
/// </summary>
/// <remarks>
/// Note: one page model for CrmApp and IdentityProvider (each app's <c>Pages/Login/Weixin/Confirm.cshtml</c> names it, so
/// the route stays the app's); what happens after the gateway vouched for the user is the app's
/// <see cref="IWeixinLoginCompletion"/>, the login cookie the app's <see cref="IPendingLoginCookie"/>.
/// </remarks>
public sealed class ConfirmModel(IGatewayApi gateway, IPendingLoginCookie cookies, IWeixinLoginCompletion completion, TimeProvider time, ILogger<ConfirmModel> logger) : PageModel
{
    /// <summary>The two-digit number, when the confirmation is waiting for it.</summary>
    public string? ConfirmCode { get; private set; }

    /// <summary>Seconds until the confirmation expires (the countdown starts here, not from the browser's clock).</summary>
    public int SecondsLeft { get; private set; }

    /// <summary>Why there is nothing to confirm (shown with 「重新登录」).</summary>
    public string? Error { get; private set; }

    /// <summary>True when the number already arrived (a reload after confirming): the script only finishes the login.</summary>
    public bool AlreadyConfirmed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? error)
    {
        if (error is not null)
        {
            Error = completion.DescribeConfirmError(error);
            Response.StatusCode = error == ConfirmErrors.Unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            return Page();
        }

        var pending = cookies.ReadLogin(HttpContext);
        if (pending?.ExpectedOpenId is null)
        {
            // Note: only a confirmation started for this browser (ExpectedOpenId set) is shown; not a scan login's cookie.
            Error = "没有等待确认的登录，或已超过 2 分钟。请重新登录。";
            return Page();
        }

        ScanLoginStatus status;
        try
        {
            status = await gateway.GetScanLoginAsync(pending.LoginId, cancellationToken: HttpContext.RequestAborted);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogWarning("Gateway refused the state of confirmation {LoginRef} ({Status})", LogRef.Of(pending.LoginId), (int)ex.StatusCode);
            cookies.ClearLogin(HttpContext);
            Error = "确认已失效，请重新登录。";
            return Page();
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not ask the gateway for confirmation {LoginRef}", LogRef.Of(pending.LoginId));
            Error = completion.DescribeConfirmError(ConfirmErrors.Unavailable);
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Page();
        }

        switch (status.State)
        {
            case ScanLoginStates.Scanned when status.ConfirmCode is { } code:
                ConfirmCode = code;
                SecondsLeft = (int)Math.Clamp((status.ExpiresAt - time.GetUtcNow()).TotalSeconds, 0, 600);
                return Page();
            case ScanLoginStates.Confirmed:
                AlreadyConfirmed = true;
                return Page();
            case ScanLoginStates.Cancelled:
                cookies.ClearLogin(HttpContext);
                Error = "本次登录已取消（数字三次不对，或已在其他页面重新登录）。";
                return Page();
            default:
                cookies.ClearLogin(HttpContext);
                Error = "确认已超过 2 分钟，本次登录已失效。请重新登录。";
                return Page();
        }
    }

    /// <summary><c>?handler=script</c>: the page's script (a file of its own: the CSP allows no inline script).</summary>
    public ContentResult OnGetScript() => Content(ConfirmScript.Source, "text/javascript; charset=utf-8");
}
