using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Pages.Account;

/// <summary><c>/account</c>: the profile and 「解除绑定」.</summary>
[Collection(CrmCollection.Name)]
public sealed class ProfileTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task Unbind_ThenNextWeixinLoginAsksToBindAgain()
    {
        var openId = await System.AddWeixinUserAsync("要解绑的人");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "褚解", Password, weixinOpenId: openId);
        using var browser = new CrmBrowser(System);
        using var direct = await browser.WeixinLoginAsync(openId, "/account");
        Assert.Equal("/account", CrmBrowser.LocationOf(direct));

        var unbound = await browser.SubmitAsync("/account", "/account?handler=Unbind", new Dictionary<string, string>());

        Assert.Contains("已解除微信绑定", unbound.Text);
        Assert.Contains("未绑定微信", unbound.Text);
        Assert.Null((await System.QueryAsync("SELECT weixin_open_id FROM accounts WHERE user_name = @u", ("@u", userName))).Single()["weixin_open_id"]);

        using var fresh = new CrmBrowser(System);
        using var again = await fresh.WeixinLoginAsync(openId);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal("/login/weixin/bind", CrmBrowser.LocationOf(again));
    }
}
