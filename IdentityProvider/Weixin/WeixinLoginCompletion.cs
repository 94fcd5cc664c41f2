using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IdentityProvider.Devices;
using Weixin.Inbox.IdentityProvider.Sessions;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.IdentityProvider.Weixin;

/// <summary>
/// The one end of every WeChat login (phone OAuth ticket, desktop 扫码登录, number confirmation): the WeChat user the
/// gateway vouched for gets the provider's SSO session and goes back to the authorize request that sent them here.
/// A phone OAuth login on a browser new for that WeChat user is first confirmed with the two-digit number in the
/// 公众号 chat (<see cref="NewDeviceOptions.ConfirmNewDevice"/>), exactly as CrmApp does (CrmApp/Weixin/WeixinLoginCompletion.cs);
/// there are no accounts to bind: the identity is the openid.
/// </summary>
public sealed class WeixinLoginCompletion(
    WeixinLoginCookies cookies,
    DeviceStore devices,
    IGatewayApi gateway,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<NewDeviceOptions> deviceOptions,
    TimeProvider time,
    ILogger<WeixinLoginCompletion> logger) : IWeixinLoginCompletion
{
    /// <summary>The page that shows the two-digit number and waits for it.</summary>
    public const string ConfirmPage = "/login/weixin/confirm";

    /// <summary>
    /// Finishes the login of <paramref name="user"/> (whose identity the gateway vouched for with a redeemed ticket) and
    /// answers the local URL the browser goes to next.
    /// </summary>
    public async Task<string> CompleteAsync(HttpContext http, WeixinUser user, string returnUrl, bool confirmedByNumber)
    {
        if (!confirmedByNumber && deviceOptions.Value.ConfirmNewDevice && !await devices.IsKnownAsync(http, user.OpenId))
        {
            // Note: an OAuth code is not bound to the browser that started the login (no PKCE at WeChat), so a
            // compromised public inbox can file one user's code under another browser's login. Only that user's own
            // safe-mode message, which the inbox can neither read nor forge, proves the login is theirs — and here it
            // would open every LAN app at once.
            return await AskForNumberAsync(http, user, returnUrl);
        }

        if (string.IsNullOrEmpty(user.Nickname))
        {
            // Note: the directory may know more than the ticket's answer (a scan login's user who never did web OAuth).
            user = await DirectoryEntryAsync(http, user);
        }

        await SsoSession.SignInAsync(http, user, time.GetUtcNow());
        if (http.Response.StatusCode is StatusCodes.Status302Found && !http.Response.HasStarted)
        {
            // Note: the cookie handler redirects by itself when the request is under its LoginPath (/login/weixin/status
            // is); every caller answers the next URL its own way (a redirect, or JSON for the page's script).
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.Headers.Location = default;
        }

        await devices.RememberAsync(http, user.OpenId);
        logger.LogInformation("WeChat user {OpenId} signed in to the provider (confirmed by number: {Confirmed})", user.OpenId, confirmedByNumber);
        return LocalOrHome(returnUrl);
    }

    /// <inheritdoc />
    /// <remarks>Note: the provider checks return URLs itself (<see cref="LocalOrHome"/>); the URL helper is not needed.</remarks>
    Task<string> IWeixinLoginCompletion.CompleteAsync(HttpContext http, WeixinUser user, string returnUrl, bool confirmedByNumber, Microsoft.AspNetCore.Mvc.IUrlHelper returnUrlCheck) =>
        CompleteAsync(http, user, returnUrl, confirmedByNumber);

    /// <inheritdoc />
    public string DescribeConfirmError(string? code) => code switch
    {
        ConfirmErrors.Unavailable => "内网微信网关暂时不可用，无法确认这台设备，本次未登录。请稍后重新登录。",
        ConfirmErrors.Refused => "微信登录配置有误（新设备确认未被微信网关接受），本次未登录。请联系管理员。",
        _ => "本次登录未完成，请重新登录。",
    };

    /// <summary>
    /// A local path (never another site), else the home page. Besides <c>//host</c> and <c>/\host</c> it refuses any
    /// backslash and control character: browsers drop tabs and line breaks from a URL, so <c>/&#9;/evil.example</c>
    /// would become <c>//evil.example</c> in <c>location.href</c> (the scan and confirm scripts follow this value).
    /// </summary>
    public static string LocalOrHome(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
        && !returnUrl.Contains('\\') && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";

    private async Task<WeixinUser> DirectoryEntryAsync(HttpContext http, WeixinUser user)
    {
        try
        {
            return await gateway.GetUserAsync(user.OpenId, http.RequestAborted);
        }
        catch (Exception ex) when (ex is ApiException || GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogWarning("Could not read the directory entry of {OpenId}; signing in with what the ticket said", user.OpenId);
            return user;
        }
    }

    private async Task<string> AskForNumberAsync(HttpContext http, WeixinUser user, string returnUrl)
    {
        var baseUrl = gatewayOptions.Value.PublicBaseUrl.TrimEnd('/');
        ScanLoginStatus status;
        try
        {
            status = await gateway.CreateDeviceConfirmationAsync(new CreateDeviceConfirmationRequest(user.OpenId, baseUrl + ConfirmPage), http.RequestAborted);
        }
        catch (ApiException ex) when (!GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError("The gateway refused a device confirmation for {OpenId} ({Status}): {Problem}; not signed in", user.OpenId, (int)ex.StatusCode, ex.Content);
            return ConfirmPage + "?error=" + ConfirmErrors.Refused;
        }
        catch (Exception ex) when (GatewayFailures.IsGatewayUnavailable(ex))
        {
            logger.LogError(ex, "Could not ask the gateway for a device confirmation for {OpenId}: gateway unavailable; not signed in", user.OpenId);
            return ConfirmPage + "?error=" + ConfirmErrors.Unavailable;
        }

        logger.LogInformation("WeChat login of {OpenId} on a new device: number confirmation {LoginRef} asked", user.OpenId, LogRef.Of(status.Id));
        cookies.SetLogin(http, new PendingLogin(status.Id, returnUrl, ExpectedOpenId: user.OpenId), status.ExpiresAt);
        return ConfirmPage;
    }
}
