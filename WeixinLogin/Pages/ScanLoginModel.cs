using System.Net;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Hosting;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.WeixinLogin.Gateway;
using Weixin.Inbox.WeixinLogin.ScanLogin;

namespace Weixin.Inbox.WeixinLogin.Pages;

/// <summary>
/// <c>/login/weixin/scan</c>: starts the desktop 扫码登录 shown on <c>/login</c> outside WeChat. The page's script
/// posts here (<c>?handler=Start</c>), gets the QR code (drawn here, in the LAN) and then long-polls
/// <c>/login/weixin/status</c>, which follows the scan login by the cookie set here and finishes it server-side.
/// </summary>
/// <remarks>
/// Note: a POST with the antiforgery token rather than a GET: starting creates a QR code at WeChat and replaces this
/// browser's login cookie, so another site must not be able to do it from a link or an image. It lives under
/// <c>/login/weixin/</c> because the login cookie's path is <c>/login/weixin</c>.
/// </remarks>
/// <remarks>
/// Note: the base of each app's <c>Pages/Login/Weixin/Scan.cshtml.cs</c>: the app gives its own words (it may or may
/// not have a password login to point to), its return-URL check and what "already signed in" means there.
/// </remarks>
public abstract class ScanLoginModel(IGatewayApi gateway, IPendingLoginCookie cookies, string publicBaseUrl, TimeProvider time, IHostEnvironment environment, ILogger logger) : PageModel
{
    /// <summary>State answered when this 公众号 cannot do 扫码登录 at all (not a verified 服务号).</summary>
    public const string Disabled = "disabled";

    /// <summary>The app's words when this 公众号 cannot do 扫码登录 at all.</summary>
    protected abstract string DisabledText { get; }

    /// <summary>The app's words when the gateway cannot be reached (also the page's <c>data-gateway-down</c>).</summary>
    protected abstract string GatewayDownText { get; }

    /// <summary>The app's words when WeChat refused or did not answer the QR code request.</summary>
    protected abstract string WeixinDownText { get; }

    /// <summary>The app's words when the gateway refuses the app's own return URL.</summary>
    protected abstract string MisconfiguredText { get; }

    /// <summary>True when this browser is already signed in to the app (the script then just goes on).</summary>
    protected abstract bool IsSignedIn { get; }

    /// <summary>The app's check of the return URL: a local path, else its home page.</summary>
    protected abstract string LocalOrHome(string? returnUrl);

    public IActionResult OnGet() => LocalRedirect("/login");

    /// <summary>The page's script (the CSP allows same-origin scripts only, no inline ones).</summary>
    public IActionResult OnGetScript() => File(ScanLoginScript.Open(), "text/javascript; charset=utf-8");

    /// <summary>
    /// Starts a scan login: <c>{state: "waiting", qr, expiresAt, secondsLeft}</c>; or, when it cannot,
    /// <c>{state: "disabled" | "unavailable" | "failed", message}</c> with 503.
    /// </summary>
    public async Task<IActionResult> OnPostStartAsync(string? returnUrl)
    {
        Response.Headers.CacheControl = "no-store";
        var target = LocalOrHome(returnUrl);
        if (IsSignedIn)
        {
            return new JsonResult(new { state = ScanLoginStates.Confirmed, redirect = target });
        }

        // Note: the gateway only accepts a return URL under its allowed prefixes, so the scan login names the same
        // /login/weixin/done as the phone's login; the browser never goes there with this login's ticket, because
        // /login/weixin/status redeems it server-side.
        var gatewayReturnUrl = publicBaseUrl.TrimEnd('/') + "/login/weixin/done";
        CreateScanLoginResponse created;
        try
        {
            created = await gateway.CreateScanLoginAsync(new CreateScanLoginRequest(gatewayReturnUrl), HttpContext.RequestAborted);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Forbidden && GatewayFailures.ProblemCode(ex) == "weixin_unauthorized")
        {
            logger.LogError("Desktop scan login unavailable: the official account may not create parametric QR codes (needs a verified service account): {Problem}", ex.Content);
            return Refused(Disabled, DisabledText);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.BadGateway && GatewayFailures.ProblemCode(ex) is "weixin_error" or "weixin_unreachable")
        {
            logger.LogError("Desktop scan login not started: WeChat refused or did not answer the QR code request: {Problem}", ex.Content);
            return Refused(StatusModel.Unavailable, WeixinDownText);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            // Note: the gateway refuses our own return URL: Gateway:PublicBaseUrl vs the gateway's OAuth:AllowedReturnPrefixes.
            logger.LogError("The gateway refused to start a desktop scan login ({Status}): {Problem}", (int)ex.StatusCode, ex.Content);
            return Refused(StatusModel.Failed, MisconfiguredText);
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not start a desktop scan login: gateway unavailable");
            return Refused(StatusModel.Unavailable, GatewayDownText);
        }

        // Note: a new scan login replaces this browser's previous one (「刷新二维码」); the old one simply expires at the gateway.
        cookies.SetLogin(HttpContext, new PendingLogin(created.Id, target), created.ExpiresAt);
        var secondsLeft = Math.Max(0, (int)(created.ExpiresAt - time.GetUtcNow()).TotalSeconds);
        logger.LogInformation("Desktop scan login {LoginRef} started, QR code valid for {Seconds} s", LogRef.Of(created.Id), secondsLeft);
        // Note: seconds left rather than only the time: the countdown must not depend on the desktop's clock being right.
        return new JsonResult(new
        {
            state = ScanLoginStates.Waiting,
            qr = ScanQrImage.ToPngDataUri(created.QrContent),
            expiresAt = created.ExpiresAt,
            secondsLeft,
            // Note: Development only (the demo and the tests' services): the code's content, to paste into the
            // simulator's 「扫一扫」, since a person at the demo has no phone that reaches the simulator.
            demoContent = environment.IsDevelopment() ? created.QrContent : null,
        });
    }

    private static JsonResult Refused(string state, string message) =>
        new(new { state, message }) { StatusCode = StatusCodes.Status503ServiceUnavailable };
}
