using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Accounts;

/// <summary>A protected page opened without a session: WeChat's in-app browser goes to the WeChat login, others to <c>/login</c>.</summary>
[Collection(CrmCollection.Name)]
public sealed class WeixinBrowserTests(CrmFixture fixture)
{
    private const string WeixinUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN";
    private const string DesktopUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task ProtectedPage_InWeixinWithoutSession_RedirectsToWeixinLoginWithReturnUrl()
    {
        using var browser = new CrmBrowser(System);
        using var request = new HttpRequestMessage(HttpMethod.Get, browser.Url("/customers/7?tab=notes"));
        request.Headers.TryAddWithoutValidation("User-Agent", WeixinUserAgent);

        using var response = await browser.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login/weixin?returnUrl=%2Fcustomers%2F7%3Ftab%3Dnotes", CrmBrowser.LocationOf(response));
    }

    [Fact]
    public async Task ProtectedPage_OtherBrowserWithoutSession_RedirectsToPasswordLogin()
    {
        using var browser = new CrmBrowser(System);
        using var request = new HttpRequestMessage(HttpMethod.Get, browser.Url("/customers/7"));
        request.Headers.TryAddWithoutValidation("User-Agent", DesktopUserAgent);

        using var response = await browser.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(browser.Url("/login?returnUrl=%2Fcustomers%2F7").ToString(), CrmBrowser.LocationOf(response));
    }

    [Fact]
    public async Task TemplateLink_InWeixinWithoutSession_WeixinLoginLandsOnThatCustomer()
    {
        var openId = await System.AddWeixinUserAsync("点链接");
        await System.CreateAccountAsync(CrmSystem.NewUserName("lnk"), "蒋链接", Notifications.NotificationScenario.Password, weixinOpenId: openId);
        var customerId = await Notifications.NotificationScenario.CustomerAsync(System, "链接客户" + Guid.NewGuid().ToString("N")[..6]);
        using var browser = new CrmBrowser(System);
        browser.Http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", WeixinUserAgent);

        using var protectedPage = await browser.GetAsync($"/customers/{customerId}");
        var login = CrmBrowser.LocationOf(protectedPage)!;
        Assert.StartsWith("/login/weixin?returnUrl=", login);
        using var start = await browser.GetAsync(login);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode); // to WeChat's authorize page
        var done = await browser.AuthorizeUntilReturnAsync(start.Headers.Location!.ToString(), openId);
        using var signedIn = await browser.OpenDoneAsync(done, openId);

        Assert.Equal($"/customers/{customerId}", CrmBrowser.LocationOf(signedIn));
        var page = await browser.OpenAsync($"/customers/{customerId}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("链接客户", page.Text);
    }
}
