using Microsoft.AspNetCore.WebUtilities;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Weixin;

public class AuthorizeUrlBuilderTests
{
    private static AuthorizeUrlBuilder Builder(string callbackUrl, string openBaseUrl = "https://open.weixin.qq.com", string appId = "wx1234567890abcdef") =>
        new(new StaticOptionsMonitor<WeixinOptions>(new WeixinOptions { AppId = appId, AppSecret = "secret-not-in-url", OpenBaseUrl = new Uri(openBaseUrl) }),
            new StaticOptionsMonitor<OAuthOptions>(new OAuthOptions { CallbackUrl = callbackUrl }));

    [Fact]
    public void Build_ProducesWeChatsDocumentedAuthorizeUrl()
    {
        var url = Builder("https://wx.example.com/wx/oauth/callback").Build("Ab09xyz");

        Assert.Equal(
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef"
            + "&redirect_uri=https%3A%2F%2Fwx.example.com%2Fwx%2Foauth%2Fcallback"
            + "&response_type=code&scope=snsapi_userinfo&state=Ab09xyz&connect_redirect=1#wechat_redirect",
            url);
    }

    [Fact]
    public void Build_CarriesTheStateAndCallbackThroughUnchanged()
    {
        var state = LoginSecrets.NewState();
        const string callback = "https://wx.example.com/wx/oauth/callback?tenant=a&x=1";

        var url = new Uri(Builder(callback).Build(state));
        var query = QueryHelpers.ParseQuery(url.Query);

        Assert.Equal(state, query["state"].ToString());
        Assert.Equal(callback, query["redirect_uri"].ToString()); // its '&' and '?' escaped, not split into our query
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("snsapi_userinfo", query["scope"].ToString());
        Assert.Equal("1", query["connect_redirect"].ToString());
        Assert.Equal("#wechat_redirect", url.Fragment);
        Assert.DoesNotContain("secret", url.AbsoluteUri, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/connect/oauth2/authorize?")]
    [InlineData("http://127.0.0.1:5080/", "http://127.0.0.1:5080/connect/oauth2/authorize?")]
    [InlineData("http://proxy.local/weixin-open/", "http://proxy.local/weixin-open/connect/oauth2/authorize?")]
    public void Build_JoinsTheOpenBaseUrlWithoutDoubleSlashes(string openBaseUrl, string expectedStart)
    {
        var url = Builder("https://wx.example.com/wx/oauth/callback", openBaseUrl).Build("s");

        Assert.StartsWith(expectedStart, url, StringComparison.Ordinal);
    }
}
