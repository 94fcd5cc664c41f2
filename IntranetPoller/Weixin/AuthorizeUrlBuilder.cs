using Microsoft.Extensions.Options;
using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>Builds the URL of WeChat's web-page authorisation page for one login.</summary>
public sealed class AuthorizeUrlBuilder(IOptionsMonitor<WeixinOptions> weixin, IOptionsMonitor<OAuthOptions> oauth)
{
    /// <summary>
    /// <c>{OpenBaseUrl}/connect/oauth2/authorize?appid&amp;redirect_uri&amp;response_type=code&amp;scope=snsapi_userinfo&amp;state&amp;connect_redirect=1#wechat_redirect</c>.
    /// </summary>
    public string Build(string state)
    {
        var openBase = weixin.CurrentValue.OpenBaseUrl.AbsoluteUri.TrimEnd('/');
        // Note: connect_redirect=1 stops WeChat from calling the redirect_uri twice for one authorisation,
        // and #wechat_redirect is required by WeChat's in-app browser; parameter order follows WeChat's documentation.
        return $"{openBase}/connect/oauth2/authorize?appid={Uri.EscapeDataString(weixin.CurrentValue.AppId)}"
            + $"&redirect_uri={Uri.EscapeDataString(oauth.CurrentValue.CallbackUrl)}"
            + $"&response_type=code&scope=snsapi_userinfo&state={Uri.EscapeDataString(state)}"
            + "&connect_redirect=1#wechat_redirect";
    }
}
