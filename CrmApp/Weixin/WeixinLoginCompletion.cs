using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Gateway;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>
/// The one end of every WeChat login (phone OAuth ticket, desktop 扫码登录, number confirmation), so the desktop
/// continues exactly like the phone: a bound WeChat user is signed in and goes where they were going; an unknown
/// one goes on to 「绑定已有账号」/「新建账号」 with the identity in the protected identity cookie.
/// A phone OAuth login on a device new for that WeChat user (first-time binds included) is first confirmed with the
/// two-digit number in the 公众号 chat (<see cref="NewDeviceOptions.ConfirmNewDevice"/>).
/// </summary>
public sealed class WeixinLoginCompletion(
    CrmDbContext db,
    AccountSignIn signIn,
    WeixinLoginCookies cookies,
    DeviceStore devices,
    IGatewayApi gateway,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<NewDeviceOptions> deviceOptions,
    ILogger<WeixinLoginCompletion> logger) : IWeixinLoginCompletion
{
    /// <summary>The bind page (「绑定已有账号」/「新建账号」).</summary>
    public const string BindPage = "/login/weixin/bind";

    /// <summary>The page that shows the two-digit number and waits for it.</summary>
    public const string ConfirmPage = "/login/weixin/confirm";

    /// <summary>
    /// Finishes the login of <paramref name="user"/> (whose identity the gateway vouched for with a redeemed ticket)
    /// and answers the local URL the browser goes to next.
    /// </summary>
    /// <param name="http">The request (its response gets the cookies).</param>
    /// <param name="user">The WeChat user of the redeemed ticket.</param>
    /// <param name="returnUrl">Where the login was going (checked to be local before it is followed).</param>
    /// <param name="confirmedByNumber">True when the user also confirmed this login with the two-digit number in the
    /// 公众号 chat (scan logins always do).</param>
    /// <param name="returnUrlCheck">The page's URL helper, to keep only local return URLs.</param>
    public async Task<string> CompleteAsync(HttpContext http, WeixinUser user, string returnUrl, bool confirmedByNumber, Microsoft.AspNetCore.Mvc.IUrlHelper returnUrlCheck)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.WeixinOpenId == user.OpenId, http.RequestAborted);
        if (account is { Status: AccountStatuses.Disabled })
        {
            // Note: before the number confirmation too: a disabled account has nothing to confirm, and no device is remembered.
            logger.LogWarning("WeChat login of {OpenId} refused: bound account {AccountId} is disabled", user.OpenId, account.Id);
            return "/login?err=" + CrmLoginErrors.AccountDisabled;
        }

        if (!confirmedByNumber && deviceOptions.Value.ConfirmNewDevice && (account is null || !await devices.IsKnownAsync(http, account.Id)))
        {
            // Note: an OAuth code is not bound to the browser that started the login (no PKCE at WeChat), so a
            // compromised public inbox can file one user's code under another browser's login. Only that user's own
            // safe-mode message, which the inbox can neither read nor forge, proves the login is theirs.
            return await AskForNumberAsync(http, user, returnUrl, firstBind: account is null);
        }

        if (account is null)
        {
            logger.LogInformation("WeChat user {OpenId} is not bound yet; on to the bind page (confirmed by number: {Confirmed})", user.OpenId, confirmedByNumber);
            cookies.SetIdentity(http, new PendingIdentity(user.OpenId, user.Nickname, user.HeadImgUrl, returnUrl));
            return BindPage;
        }

        account.WeixinNickname = WeixinProfile.Nickname(user.Nickname);
        account.WeixinHeadImgUrl = WeixinProfile.AvatarUrl(user.HeadImgUrl);
        var target = ReturnUrls.LocalOrHome(returnUrlCheck, returnUrl);
        await signIn.SignInAsync(http, account, "weixin", target);
        if (http.Response.StatusCode is StatusCodes.Status302Found && !http.Response.HasStarted)
        {
            // Note: the cookie handler itself redirects to the sign-in's RedirectUri when the request is under its
            // LoginPath (/login/weixin/status is, by path segments); every caller answers the next URL its own way
            // (a redirect, or JSON for the page's script, which a 302 would turn into the target's HTML), so undo it.
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.Headers.Location = default;
        }

        // Note: confirmed by number (or already known): this device now belongs to this WeChat user's account.
        await devices.RememberAsync(http, account.Id);
        return target;
    }

    /// <inheritdoc />
    public string DescribeConfirmError(string? code) => code switch
    {
        ConfirmErrors.Unavailable => "内网微信网关暂时不可用，无法确认这台设备，本次未登录。请稍后重新登录，或使用账号密码登录。",
        ConfirmErrors.Refused => "微信登录配置有误（新设备确认未被微信网关接受），本次未登录。请联系管理员。",
        _ => "本次登录未完成，请重新登录。",
    };

    private async Task<string> AskForNumberAsync(HttpContext http, WeixinUser user, string returnUrl, bool firstBind)
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

        logger.LogInformation("WeChat login of {OpenId} on a new device ({Reason}): number confirmation {LoginRef} asked",
            user.OpenId, firstBind ? "first bind" : "device not known for the account", LogRef.Of(status.Id));
        cookies.SetLogin(http, new PendingLogin(status.Id, returnUrl, ExpectedOpenId: user.OpenId), status.ExpiresAt);
        return ConfirmPage;
    }
}
