using System.Globalization;
using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Pages.Login;

/// <summary>The user name + password form, sign-out, and the protections every form and redirect has.</summary>
[Collection(CrmCollection.Name)]
public sealed class PasswordLoginTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task Anonymous_CustomersPage_RedirectsToLoginThenBack()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "何小", Password);
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);

        using var protectedPage = await browser.GetAsync("/customers?q=张");
        Assert.Equal(HttpStatusCode.Redirect, protectedPage.StatusCode);
        var login = CrmBrowser.LocationOf(protectedPage)!;
        Assert.StartsWith(browser.Url("/login?returnUrl=").ToString(), login);

        var page = await browser.OpenAsync(new Uri(login).PathAndQuery);
        Assert.Contains("请在微信中打开公众号", page.Text); // a desktop browser is told where 微信登录 works, not offered it
        using (var phone = new CrmBrowser(System))
        {
            var inWeixin = await phone.OpenAsync(new Uri(login).PathAndQuery);
            Assert.Contains("/login/weixin?returnUrl=%2Fcustomers%3Fq%3D", inWeixin.Html); // 「微信登录」 keeps where the user was going
        }

        var back = await browser.SignInWithPasswordAsync(userName, Password, returnUrl: "/customers?q=张");
        Assert.Equal("/customers", back.Url.AbsolutePath);
        Assert.Contains("张伟", back.Text);
        Assert.DoesNotContain("王芳", back.Text);
    }

    [Fact]
    public async Task PasswordLogin_WrongPasswordOrUnknownUser_SameGenericError()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "吕错", Password);
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);

        var wrong = await browser.SignInWithPasswordAsync(userName, "Nope12345");
        var unknown = await browser.SignInWithPasswordAsync("no" + userName, Password);
        var empty = await browser.SignInWithPasswordAsync("", "");

        Assert.Contains("用户名或密码错误。", wrong.Text);
        Assert.Contains("用户名或密码错误。", unknown.Text);
        Assert.Contains("请输入用户名。", empty.Text);
        Assert.Contains("请输入密码。", empty.Text);
        Assert.Equal(1L, Convert.ToInt64((await System.QueryAsync("SELECT failed_login_count FROM accounts WHERE user_name = @u", ("@u", userName))).Single()["failed_login_count"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SeededAdmin_SignsInWithPrintedPassword()
    {
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);
        var home = await browser.SignInWithPasswordAsync("admin", System.AdminPassword);
        Assert.Equal("/customers", home.Url.AbsolutePath);
        Assert.Contains("管理员，您好", home.Text);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    public async Task PasswordLogin_ExternalReturnUrl_LandsOnHome(string returnUrl)
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "邱跳", Password);
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);

        using var response = await browser.PostFormAsync("/login", "/login?returnUrl=" + Uri.EscapeDataString(returnUrl), new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", CrmBrowser.LocationOf(response));
    }

    [Fact]
    public async Task Posts_WithoutAntiforgeryToken_Answer400()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "韦安", Password);
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);

        using var login = await browser.PostFormAsync("/login", "/login", new Dictionary<string, string> { ["Input.UserName"] = userName, ["Input.Password"] = Password }, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Contains("请求无效", await login.Content.ReadAsStringAsync());
        Assert.Null(login.Headers.Location);

        // Signed in, a forged cross-site form (no token) can neither unbind, add notes nor sign out.
        await browser.SignInWithPasswordAsync(userName, Password);
        using var unbind = await browser.PostFormAsync("/account", "/account?handler=Unbind", new Dictionary<string, string>(), withToken: false);
        using var note = await browser.PostFormAsync("/customers", "/customers/1", new Dictionary<string, string> { ["Note.Content"] = "伪造的跟进" }, withToken: false);
        using var logout = await browser.PostFormAsync("/account", "/account/logout", new Dictionary<string, string>(), withToken: false);
        using var bind = await browser.PostFormAsync("/login", "/login/weixin/bind?handler=Bind", new Dictionary<string, string> { ["BindInput.UserName"] = userName, ["BindInput.Password"] = Password }, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, unbind.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, note.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bind.StatusCode);
        Assert.Empty(await System.QueryAsync("SELECT id FROM follow_up_notes WHERE content = '伪造的跟进'"));
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync("/account")).Status); // still signed in
    }

    [Fact]
    public async Task Logout_SignsOut()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "严出", Password);
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);
        await browser.SignInWithPasswordAsync(userName, Password);

        using var logout = await browser.PostFormAsync("/account", "/account/logout", new Dictionary<string, string>());

        Assert.Equal("/login", CrmBrowser.LocationOf(logout));
        var after = await browser.OpenAsync("/account");
        Assert.Equal("/login", after.Url.AbsolutePath);
    }

    [Fact]
    public async Task Healthz_AnswersOk()
    {
        using var browser = new CrmBrowser(System, UserAgents.DesktopChrome);
        using var response = await browser.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }
}
