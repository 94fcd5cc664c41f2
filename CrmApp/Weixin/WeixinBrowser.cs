namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>Whether a request comes from WeChat's own browser, the only place WeChat's web authorization works.</summary>
public static class WeixinBrowser
{
    /// <summary>
    /// The text WeChat puts in its browsers' user agent (phones and the Windows/Mac clients). Elsewhere WeChat's authorize
    /// page shows 「请在微信客户端打开链接」 and never issues a code
    /// (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).
    /// </summary>
    public const string UserAgentMarker = "MicroMessenger";

    /// <summary>What the login pages say instead of offering a 「微信登录」 that cannot work.</summary>
    public const string OpenInWeixinHint =
        "微信登录只能在微信里使用：请在微信中打开公众号，点击菜单「进入CRM」登录；在电脑或其他浏览器上请使用账号密码登录。";

    /// <summary>True when the request's user agent is WeChat's in-app browser.</summary>
    public static bool IsWeixin(HttpRequest request) =>
        request.Headers.UserAgent.ToString().Contains(UserAgentMarker, StringComparison.OrdinalIgnoreCase);
}
