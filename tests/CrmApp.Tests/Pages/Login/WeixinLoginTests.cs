using System.Globalization;
using System.Net;
using System.Web;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Pages.Login;

/// <summary>「微信登录」 against the real pipeline: first login (bind or create), later logins, and what must be refused.</summary>
[Collection(CrmCollection.Name)]
public sealed class WeixinLoginTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    private static Dictionary<string, string> BindForm(string userName, string password) => new()
    {
        ["BindInput.UserName"] = userName,
        ["BindInput.Password"] = password,
    };

    private static Dictionary<string, string> CreateForm(string userName, string displayName, string password, string? confirm = null) => new()
    {
        ["CreateInput.UserName"] = userName,
        ["CreateInput.DisplayName"] = displayName,
        ["CreateInput.Password"] = password,
        ["CreateInput.ConfirmPassword"] = confirm ?? password,
    };

    private async Task<string?> BoundOpenIdAsync(string userName) =>
        (string?)(await System.QueryAsync("SELECT weixin_open_id FROM accounts WHERE user_name = @u", ("@u", userName))).Single()["weixin_open_id"];

    [Fact]
    public async Task FirstLogin_BindExistingAccount_BindsAndSignsInAtReturnUrl()
    {
        var openId = await System.AddWeixinUserAsync("孙小美");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "孙美", Password);
        using var browser = new CrmBrowser(System);

        using var done = await browser.WeixinLoginAsync(openId, returnUrl: "/account");
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/login/weixin/bind", CrmBrowser.LocationOf(done));

        var bindPage = await browser.OpenAsync("/login/weixin/bind");
        Assert.Equal(HttpStatusCode.OK, bindPage.Status);
        Assert.Contains("孙小美", bindPage.Text);
        Assert.Contains("绑定已有账号", bindPage.Text);
        Assert.Contains("新建账号", bindPage.Text);
        Assert.DoesNotContain($"value=\"{openId}\"", bindPage.Html); // the openid is never a form field: it stays in the protected cookie

        using var bound = await browser.PostFormAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm(userName.ToUpperInvariant(), Password));
        Assert.Equal(HttpStatusCode.Redirect, bound.StatusCode);
        Assert.Equal("/account", CrmBrowser.LocationOf(bound));

        var profile = await browser.OpenAsync("/account");
        Assert.Contains("孙美", profile.Text);
        Assert.Contains("已绑定微信「孙小美」", profile.Text);
        Assert.Equal(openId, await BoundOpenIdAsync(userName));
    }

    [Fact]
    public async Task FirstLogin_CreateNewAccount_ShowsRulesRefusesBadInputThenCreatesBoundAccount()
    {
        var openId = await System.AddWeixinUserAsync("新人小周");
        var userName = CrmSystem.NewUserName("new");
        using var browser = new CrmBrowser(System);
        using var done = await browser.WeixinLoginAsync(openId);
        Assert.Equal("/login/weixin/bind", CrmBrowser.LocationOf(done));

        var form = await browser.OpenAsync("/login/weixin/bind?tab=create");
        Assert.Contains("密码至少 8 位", form.Text);
        Assert.Contains("value=\"新人小周\"", form.Text); // display name prefilled with the nickname

        var weak = await browser.SubmitAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", CreateForm(userName, "周新", "short1"));
        Assert.Equal(HttpStatusCode.OK, weak.Status);
        Assert.Contains("密码太短", weak.Text);
        var noDigit = await browser.SubmitAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", CreateForm(userName, "周新", "onlyletters"));
        Assert.Contains("须同时包含英文字母和数字", noDigit.Text);
        var mismatch = await browser.SubmitAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", CreateForm(userName, "周新", Password, Password + "x"));
        Assert.Contains("两次输入的密码不一致", mismatch.Text);
        var badName = await browser.SubmitAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", CreateForm("张 三", "周新", Password));
        Assert.Contains("用户名为 3–32 位", badName.Text);
        var taken = await browser.SubmitAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", CreateForm("admin", "周新", Password));
        Assert.Contains("用户名「admin」已被使用", taken.Text);
        Assert.Empty(await System.QueryAsync("SELECT id FROM accounts WHERE weixin_open_id = @o", ("@o", openId)));

        using var created = await browser.PostFormAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", CreateForm(userName, "周新", Password));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        // Note: Accounts:SelfRegistration defaults to approval: the new account waits for a 管理员 and sees no customer.
        Assert.Equal("/pending", CrmBrowser.LocationOf(created));
        var home = await browser.OpenAsync("/");
        Assert.EndsWith("/pending", home.Url.AbsolutePath);
        Assert.Contains("等待管理员审核", home.Text);
        Assert.Contains("您好，周新", home.Text);

        var row = (await System.QueryAsync("SELECT display_name, password_hash, weixin_open_id, weixin_nickname, role, status FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
        Assert.Equal(openId, row["weixin_open_id"]);
        Assert.Equal("sales", row["role"]);
        Assert.Equal("pending", row["status"]);
        Assert.Equal("新人小周", row["weixin_nickname"]);
        Assert.DoesNotContain(Password, (string)row["password_hash"]!);

        // The new account also works with its password.
        using var other = new CrmBrowser(System);
        var signedIn = await other.SignInWithPasswordAsync(userName, Password);
        Assert.Contains("等待管理员审核", signedIn.Text);
    }

    [Fact]
    public async Task SecondLogin_BoundWeixinUser_GoesStraightToReturnUrl()
    {
        var openId = await System.AddWeixinUserAsync("回头客");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "吴回", Password);
        using (var first = new CrmBrowser(System))
        {
            using var done = await first.WeixinLoginAsync(openId);
            using var bound = await first.PostFormAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm(userName, Password));
            Assert.Equal(HttpStatusCode.Redirect, bound.StatusCode);
        }

        using var second = new CrmBrowser(System);
        using var direct = await second.WeixinLoginAsync(openId, returnUrl: "/customers?q=张");
        Assert.Equal(HttpStatusCode.Redirect, direct.StatusCode);
        Assert.Equal("/customers?q=张", Uri.UnescapeDataString(CrmBrowser.LocationOf(direct)!));

        var list = await second.OpenAsync("/customers?q=%E5%BC%A0");
        Assert.Contains("吴回，您好", list.Text);
        Assert.Contains("张伟", list.Text);
        var row = (await System.QueryAsync("SELECT last_login_at FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
        Assert.NotNull(row["last_login_at"]);
    }

    [Fact]
    public async Task Bind_WrongPassword_GenericErrorThenLockedOutAfterFiveAttempts()
    {
        var openId = await System.AddWeixinUserAsync("输错密码");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "郑错", Password);
        using var browser = new CrmBrowser(System);
        await browser.WeixinLoginAsync(openId);

        var unknown = await browser.SubmitAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm("nobody" + userName, Password));
        Assert.Contains("用户名或密码错误", unknown.Text);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await browser.SubmitAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm(userName, "Wrong" + attempt + "pass"));
            Assert.Equal(HttpStatusCode.OK, wrong.Status);
            Assert.Contains("用户名或密码错误", wrong.Text);
        }

        var fifth = await browser.SubmitAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm(userName, "Wrong5pass"));
        Assert.Contains("账号已被锁定，请 15 分钟后再试", fifth.Text);

        // Locked: even the right password is refused, here and on the password form, and nothing got bound.
        var right = await browser.SubmitAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm(userName, Password));
        Assert.Contains("账号已被锁定", right.Text);
        using var other = new CrmBrowser(System);
        var passwordLogin = await other.SignInWithPasswordAsync(userName, Password);
        Assert.Contains("账号已被锁定", passwordLogin.Text);
        Assert.Null(await BoundOpenIdAsync(userName));
        var row = (await System.QueryAsync("SELECT lockout_ends_at > UTC_TIMESTAMP() AS locked FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
        Assert.Equal(1L, Convert.ToInt64(row["locked"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Bind_AccountAlreadyBoundToAnotherWeixinUser_IsRefused()
    {
        var owner = await System.AddWeixinUserAsync("原主人");
        var intruder = await System.AddWeixinUserAsync("想抢号的人");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "冯主", Password, weixinOpenId: owner);
        using var browser = new CrmBrowser(System);
        await browser.WeixinLoginAsync(intruder);

        using var refused = await browser.PostFormAsync("/login/weixin/bind", "/login/weixin/bind?handler=Bind", BindForm(userName, Password));
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains($"账号「{userName}」已绑定其他微信，不能再绑定当前微信", page);
        Assert.Equal(owner, await BoundOpenIdAsync(userName));
        using var me = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, me.StatusCode); // not signed in: WeChat's browser is sent to /login/weixin
        Assert.StartsWith("/login", CrmBrowser.LocationOf(me));
    }

    [Fact]
    public async Task Done_TicketOpenedInAnotherBrowser_IsRefusedAndStillWorksInTheRightOne()
    {
        var openId = await System.AddWeixinUserAsync("别的浏览器");
        using var victim = new CrmBrowser(System);
        var ticketUrl = await victim.WeixinUntilReturnAsync(openId);

        // A browser that started its own login (its own cookie) …
        using var other = new CrmBrowser(System);
        using (await other.GetAsync("/login/weixin"))
        {
        }

        using var refused = await other.Http.GetAsync(ticketUrl);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal("/login?err=" + LoginErrors.TicketInvalid, CrmBrowser.LocationOf(refused));
        var loginPage = await other.OpenAsync(CrmBrowser.LocationOf(refused)!);
        Assert.Contains(LoginErrors.Describe(LoginErrors.TicketInvalid), loginPage.Text);

        // … and one without any cookie.
        using var bare = new CrmBrowser(System);
        using var refusedToo = await bare.Http.GetAsync(ticketUrl);
        Assert.Equal("/login?err=" + LoginErrors.TicketInvalid, CrmBrowser.LocationOf(refusedToo));

        // The browser that pressed 「微信登录」 can still use its ticket (a first bind: the number is asked first).
        using var mine = await victim.Http.GetAsync(ticketUrl);
        Assert.Equal(CrmBrowser.ConfirmPage, CrmBrowser.LocationOf(mine));

        // A ticket is good once.
        using var again = await victim.Http.GetAsync(ticketUrl);
        Assert.StartsWith("/login?err=", CrmBrowser.LocationOf(again));
    }

    [Fact]
    public async Task RefusedConsent_StaysOnWeixin_AndTappingWeixinLoginAgainStartsAFreshLogin()
    {
        var openId = await System.AddWeixinUserAsync("不同意");
        using var browser = new CrmBrowser(System);

        using var first = await browser.GetAsync("/login/weixin");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var refusedPage = await browser.RefuseAsync(first.Headers.Location!.ToString(), openId);
        Assert.Contains("你已拒绝授权", refusedPage); // WeChat keeps the user on its page: nothing comes back to the CRM

        // Back in the CRM, 「微信登录」 is offered as usual and starts a new login (a new state), which works.
        var loginPage = await browser.OpenAsync("/login");
        Assert.Contains("id=\"weixin-login\"", loginPage.Html);
        Assert.DoesNotContain("login-error", loginPage.Html);
        using var second = await browser.GetAsync("/login/weixin");
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.NotEqual(StateOf(first.Headers.Location!), StateOf(second.Headers.Location!));

        var back = await browser.AuthorizeUntilReturnAsync(second.Headers.Location!.ToString(), openId);
        Assert.StartsWith(browser.Url("/login/weixin/done?ticket=").ToString(), back.ToString());
        using var done = await browser.OpenDoneAsync(back, openId);
        Assert.Equal("/login/weixin/bind", CrmBrowser.LocationOf(done));
    }

    [Fact]
    public async Task SnapshotModeUser_IsNotSignedInNorBound_AndIsToldToUseTheFullService()
    {
        var openId = await System.Login.AddSnapshotWeixinUserAsync("快照用户甲");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "快照", Password, weixinOpenId: openId);
        using var browser = new CrmBrowser(System);

        var back = await browser.WeixinUntilReturnAsync(openId);
        Assert.StartsWith(browser.Url("/login?err=" + LoginErrors.SnapshotUser).ToString(), back.ToString());
        var page = await browser.OpenAsync(back.PathAndQuery);

        Assert.Contains("请点击页面底部的『使用完整服务』后重新登录", page.Text);
        using var home = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode); // not signed in, although the real user's account is bound
        Assert.StartsWith("/login", CrmBrowser.LocationOf(home));
        using var bind = await browser.GetAsync("/login/weixin/bind");
        Assert.Equal("/login?err=bind_expired", CrmBrowser.LocationOf(bind)); // no WeChat identity waiting to be bound either
    }

    [Fact]
    public async Task LoginPage_OutsideWeixin_OffersScanLoginNotWeixinLogin_AndSaysWhereWeixinLoginWorks()
    {
        using var desktop = new CrmBrowser(System, UserAgents.DesktopChrome);
        var before = await LoginCountAsync();

        var page = await desktop.OpenAsync("/login");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.DoesNotContain("id=\"weixin-login\"", page.Html);
        // Note: the desktop gets 扫码登录 instead (its script starts it: DesktopScanLoginTests); the phone's way is named.
        Assert.Contains("请用微信扫一扫", page.Text);
        Assert.Contains("id=\"scan-qr\"", page.Html);
        Assert.Contains("请在微信中打开公众号，点击菜单「进入CRM」登录", page.Text);
        Assert.Contains("或使用账号密码", page.Text);
        Assert.Contains("id=\"password-login\"", page.Html);
        Assert.Equal(before, await LoginCountAsync()); // no OAuth login is started for a browser where it cannot work
    }

    [Fact]
    public async Task WeixinLogin_OutsideWeixin_StartsNoLogin_AndExplains()
    {
        using var desktop = new CrmBrowser(System, UserAgents.DesktopChrome);
        var before = await LoginCountAsync();

        using var start = await desktop.GetAsync("/login/weixin");
        var html = await start.Content.ReadAsStringAsync();

        // WeChat's authorize page would only say 「请在微信客户端打开链接」, so the CRM does not send the browser there.
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.Null(start.Headers.Location);
        Assert.Contains("请在微信中打开", WebUtility.HtmlDecode(html));
        Assert.Equal(before, await LoginCountAsync());
    }

    private async Task<long> LoginCountAsync() =>
        Convert.ToInt64((await System.Login.Database.QueryAsync(System.Login.Database.GatewayDatabase, "SELECT COUNT(*) AS n FROM weixin_logins")).Single()["n"], CultureInfo.InvariantCulture);

    private static string? StateOf(Uri authorizeUrl) =>
        HttpUtility.ParseQueryString(new Uri(authorizeUrl.ToString().Split('#')[0]).Query)["state"];

    [Fact]
    public async Task LoginPage_UnknownErrorCode_ShowsGenericMessageNotTheCode()
    {
        using var browser = new CrmBrowser(System);
        var page = await browser.OpenAsync("/login?err=" + Uri.EscapeDataString("<b>请转账到</b>"));
        Assert.Contains("微信登录失败，请重新尝试。", page.Text);
        Assert.DoesNotContain("请转账到", page.Text);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example/login")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task WeixinLogin_ExternalReturnUrl_LandsOnHome(string returnUrl)
    {
        var openId = await System.AddWeixinUserAsync("开放跳转");
        await System.CreateAccountAsync(CrmSystem.NewUserName(), "卫跳", Password, weixinOpenId: openId);
        using var browser = new CrmBrowser(System);

        using var done = await browser.WeixinLoginAsync(openId, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/", CrmBrowser.LocationOf(done));
    }

    [Fact]
    public async Task Start_KeepsLoginIdInProtectedHttpOnlyLaxCookie()
    {
        using var browser = new CrmBrowser(System);
        using var start = await browser.GetAsync("/login/weixin");

        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.StartsWith(System.Login.Simulator.BaseAddress + "connect/oauth2/authorize?", start.Headers.Location!.ToString());
        var cookie = Assert.Single(start.Headers.GetValues("Set-Cookie"), c => c.StartsWith("crm_wx_login=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/login/weixin", cookie, StringComparison.OrdinalIgnoreCase);
        var rows = await System.Login.Database.QueryAsync(System.Login.Database.GatewayDatabase, "SELECT id FROM weixin_logins ORDER BY created_at DESC LIMIT 20");
        Assert.DoesNotContain(rows, r => cookie.Contains((string)r["id"]!, StringComparison.Ordinal)); // encrypted, not the bare login id
    }

    [Fact]
    public async Task BindPage_WithoutConfirmedWeixinIdentity_SendsBackToLogin()
    {
        using var browser = new CrmBrowser(System);
        using var get = await browser.GetAsync("/login/weixin/bind");
        Assert.Equal("/login?err=bind_expired", CrmBrowser.LocationOf(get));

        // A forged identity cookie is worthless too.
        browser.Cookies.Add(browser.Url("/login/weixin/"), new Cookie("crm_wx_identity", "CfDJ8forged_identity_for_o_someone_else", "/login/weixin"));
        using var forged = await browser.GetAsync("/login/weixin/bind");
        Assert.Equal("/login?err=bind_expired", CrmBrowser.LocationOf(forged));
        var page = await browser.OpenAsync("/login?err=bind_expired");
        Assert.Contains("微信身份确认已过期", page.Text);
    }
}
