using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IdentityProvider.Weixin;
using Weixin.Inbox.WeixinLogin;
using Weixin.Inbox.WeixinLogin.Pages;

namespace Weixin.Inbox.IdentityProvider.Pages.Login.Weixin;

/// <summary>
/// <c>/login/weixin/scan</c>: starts the desktop 扫码登录 shown on <c>/login</c> outside WeChat. The page's script
/// posts here (<c>?handler=Start</c>), gets the QR code (drawn here, in the LAN) and then long-polls
/// <c>/login/weixin/status</c>, which follows the scan login by the cookie set here and finishes it server-side.
/// </summary>
/// <remarks>
/// Note: a POST with the antiforgery token rather than a GET: starting creates a QR code at WeChat and replaces this
/// browser's login cookie, so another site must not be able to do it from a link or an image. It lives under
/// <c>/login/weixin/</c> because the login cookie's path is <c>/login/weixin</c>.
/// The work is the shared <see cref="ScanLoginModel"/>; this page gives the app's words and checks.
/// </remarks>
public sealed class ScanModel(IGatewayApi gateway, IOptions<GatewayOptions> options, IPendingLoginCookie cookies, TimeProvider time, IHostEnvironment environment, ILogger<ScanModel> logger)
    : ScanLoginModel(gateway, cookies, options.Value.PublicBaseUrl, time, environment, logger)
{
    public const string DisabledMessage = "本公众号暂不支持扫码登录（需要已认证的服务号才能生成登录二维码），请在手机微信里打开应用登录。";
    public const string GatewayDownMessage = "内网微信网关暂时不可用，请稍后点击「刷新二维码」重试。";
    public const string WeixinDownMessage = "暂时无法向微信申请登录二维码，请稍后点击「刷新二维码」重试。";
    public const string MisconfiguredMessage = "扫码登录配置有误（本系统的地址未被微信网关允许），请联系管理员。";

    protected override string DisabledText => DisabledMessage;

    protected override string GatewayDownText => GatewayDownMessage;

    protected override string WeixinDownText => WeixinDownMessage;

    protected override string MisconfiguredText => MisconfiguredMessage;

    protected override bool IsSignedIn => Sessions.SsoSession.Read(User) is not null;

    protected override string LocalOrHome(string? returnUrl) => WeixinLoginCompletion.LocalOrHome(returnUrl);
}
