using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Security;

/// <summary>
/// A hand-made POST that names no handler (or one the page lacks), with a valid antiforgery token: the page must refuse it
/// with 400, not render half-built (it was a 500 on /login/weixin/bind and on the signed-in pages with named handlers).
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class NamedHandlerTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    [Theory]
    [InlineData("/account")]
    [InlineData("/notifications")]
    public async Task SignedInPage_PostWithoutHandler_Is400(string page)
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "无处理", Password);
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);
        Assert.Contains("，您好", (await browser.SignInWithPasswordAsync(userName, Password)).Text);

        using var bare = await browser.PostFormAsync(page, page, new Dictionary<string, string>());
        using var unknown = await browser.PostFormAsync(page, page + "?handler=NoSuchThing", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        // The page itself still works.
        Assert.Equal(page, (await browser.OpenAsync(page)).Url.AbsolutePath);
    }

    [Fact]
    public async Task BindPage_PostWithoutHandler_Is400()
    {
        var openId = await System.AddWeixinUserAsync("无处理绑定");
        using var browser = new CrmBrowser(System, UserAgents.WeixinPhone);
        using var login = await browser.WeixinLoginAsync(openId);
        Assert.Equal("/login/weixin/bind", login.Headers.Location?.OriginalString);
        var bind = await browser.OpenAsync("/login/weixin/bind");
        Assert.Contains("绑定已有账号", bind.Text);

        using var bare = await browser.PostFormAsync("/login/weixin/bind", "/login/weixin/bind",
            new Dictionary<string, string> { ["BindInput.UserName"] = "admin", ["BindInput.Password"] = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
    }
}
