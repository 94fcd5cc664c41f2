namespace Weixin.Inbox.IdentityProvider.Weixin;

/// <summary>
/// WeChat's in-app browser names itself in the User-Agent (<c>… MicroMessenger/8.0.47 …</c>). Only there can WeChat's
/// web authorization issue a code; elsewhere the login page offers the 扫码登录 QR code instead.
/// </summary>
/// <remarks>Note: the same test as CrmApp/Accounts/WeixinBrowser.cs (duplicated: the provider references no CRM code).</remarks>
public static class WeixinBrowser
{
    public static bool IsWeixin(HttpRequest request) =>
        request.Headers.UserAgent.ToString().Contains("MicroMessenger", StringComparison.OrdinalIgnoreCase);
}
