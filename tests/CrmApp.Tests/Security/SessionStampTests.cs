using System.Globalization;
using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Security;

/// <summary>
/// Issue 13 item 11, as a user (and someone holding an old cookie) sees it: unbinding WeChat, changing the password,
/// disabling the account or renewing its security stamp ends the account's other sessions at their next request, on
/// every CrmApp instance; the browser that made the change stays signed in.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class SessionStampTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private const string NewPassword = "Changed2025cd";
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task PasswordChange_EndsTheOtherSession_ThisOneStays()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "改密", Password);
        using var a = await SignedInAsync(userName, Password);
        using var b = await SignedInAsync(userName, Password);

        var changed = await ChangePasswordAsync(b, Password, NewPassword);

        Assert.Contains("密码已修改。其他设备上的登录已退出", changed.Text);
        Assert.Equal("/account", changed.Url.AbsolutePath);
        await AssertSignedOutAsync(a);
        await AssertSignedInAsync(b, "改密");
        // The old password is gone, the new one signs in.
        using var fresh = new CrmBrowser(System, UserAgents.DesktopChrome);
        Assert.Contains("用户名或密码错误。", (await fresh.SignInWithPasswordAsync(userName, Password)).Text);
        Assert.Contains("改密，您好", (await fresh.SignInWithPasswordAsync(userName, NewPassword)).Text);
    }

    [Fact]
    public async Task Unbind_EndsTheOtherSession_ThisOneStays()
    {
        var openId = await System.AddWeixinUserAsync("解绑退出");
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "解绑", Password, weixinOpenId: openId);
        using var a = await SignedInAsync(userName, Password);
        using var b = await SignedInAsync(userName, Password);

        var unbound = await b.SubmitAsync("/account", "/account?handler=Unbind", new Dictionary<string, string>());

        Assert.Contains("已解除微信绑定，其他设备上的登录已退出", unbound.Text);
        await AssertSignedOutAsync(a);
        await AssertSignedInAsync(b, "解绑");
    }

    [Fact]
    public async Task StampRenewedInTheDatabase_EndsEverySession()
    {
        // Note: what 「用户管理」 (disable, role change, password reset, unbind) does: a new stamp written by another process.
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "换戳", Password);
        using var a = await SignedInAsync(userName, Password);
        using var b = await SignedInAsync(userName, Password);

        await System.QueryAsync("UPDATE accounts SET security_stamp = @s WHERE user_name = @u", ("@s", new string('7', 32)), ("@u", userName));

        await AssertSignedOutAsync(a);
        await AssertSignedOutAsync(b);
        // A new sign-in carries the new stamp and works.
        using var again = await SignedInAsync(userName, Password);
        await AssertSignedInAsync(again, "换戳");
    }

    [Fact]
    public async Task DisabledInTheDatabase_EndsEverySession_EvenWithTheStampUnchanged()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "停用", Password);
        using var a = await SignedInAsync(userName, Password);

        await System.QueryAsync("UPDATE accounts SET status = 'disabled' WHERE user_name = @u", ("@u", userName));

        await AssertSignedOutAsync(a);
    }

    [Fact]
    public async Task PasswordChangedThroughOneInstance_EndsTheSessionOnAnotherAtItsNextRequest()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "两台", Password);
        // Note: a home folder of its own, as on another machine, so the key ring can only come from the shared database.
        var home = Directory.CreateTempSubdirectory("crm-sessions-home-");
        try
        {
            await using var other = await System.StartAnotherInstanceAsync("crm-sessions", new Dictionary<string, string> { ["HOME"] = home.FullName });
            using var onOther = new CrmBrowser(System, UserAgents.DesktopChrome, other.BaseAddress);
            Assert.Contains("两台，您好", (await onOther.SignInWithPasswordAsync(userName, Password)).Text);
            // Note: a request on the second instance first, so anything it kept about this session would be warm.
            await AssertSignedInAsync(onOther, "两台");
            using var onFirst = await SignedInAsync(userName, Password);

            await ChangePasswordAsync(onFirst, Password, NewPassword);

            await AssertSignedOutAsync(onOther);
            await AssertSignedInAsync(onFirst, "两台");
            // The re-issued cookie of the browser that changed it is good on the second instance as well.
            using var there = await onFirst.Http.GetAsync(new Uri(other.BaseAddress, "/account"));
            Assert.Equal(HttpStatusCode.OK, there.StatusCode);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task OldCookieReplayedAfterPasswordChange_IsRefused()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "被盗", Password);
        using var victim = await SignedInAsync(userName, Password);
        var stolen = victim.Cookies.GetCookies(System.BaseAddress)["crm_auth"]?.Value;
        Assert.NotNull(stolen);
        using var thief = new CrmBrowser(System, UserAgents.DesktopChrome);
        thief.Cookies.Add(System.BaseAddress, new Cookie("crm_auth", stolen));
        await AssertSignedInAsync(thief, "被盗"); // the copy works until the victim acts

        await ChangePasswordAsync(victim, Password, NewPassword);

        // Replayed as is, without the browser's cookie jar (which would drop a deleted cookie).
        using var replay = new HttpRequestMessage(HttpMethod.Get, new Uri(System.BaseAddress, "/account"));
        replay.Headers.Add("Cookie", "crm_auth=" + stolen);
        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        using var refused = await raw.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal("/login", new Uri(System.BaseAddress, refused.Headers.Location!).AbsolutePath);
        await AssertSignedOutAsync(thief);
        await AssertSignedInAsync(victim, "被盗");
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_RefusedAndCountsTowardsTheLockout()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "错密", Password);
        using var browser = await SignedInAsync(userName, Password);
        var hash = await PasswordHashAsync(userName);

        var wrong = await ChangePasswordAsync(browser, "Wrong2024ab", NewPassword);

        Assert.Contains("当前密码不正确。", wrong.Text);
        Assert.Equal(1, await FailedLoginCountAsync(userName));
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains("当前密码不正确。", (await ChangePasswordAsync(browser, "Wrong2024ab", NewPassword)).Text);
        }

        // The fifth wrong password locks the account, as on the sign-in page; then even the right one is refused.
        Assert.Contains("账号已被锁定", (await ChangePasswordAsync(browser, "Wrong2024ab", NewPassword)).Text);
        Assert.Contains("账号已被锁定", (await ChangePasswordAsync(browser, Password, NewPassword)).Text);
        Assert.Equal(hash, await PasswordHashAsync(userName));
        using var elsewhere = new CrmBrowser(System, UserAgents.DesktopChrome);
        Assert.Contains("账号已被锁定", (await elsewhere.SignInWithPasswordAsync(userName, Password)).Text);
        await AssertSignedInAsync(browser, "错密");
    }

    [Fact]
    public async Task ChangePassword_WeakOrMismatchedNewPassword_RefusedWithoutCountingAFailure()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "弱密", Password);
        using var browser = await SignedInAsync(userName, Password);
        var hash = await PasswordHashAsync(userName);

        Assert.Contains("密码须同时包含英文字母和数字。", (await ChangePasswordAsync(browser, Password, "onlyletters")).Text);
        Assert.Contains("密码太短：至少 8 位。", (await ChangePasswordAsync(browser, Password, "ab1")).Text);
        Assert.Contains("新密码不能与当前密码相同。", (await ChangePasswordAsync(browser, Password, Password)).Text);
        Assert.Contains("两次输入的新密码不一致。", (await ChangePasswordAsync(browser, Password, NewPassword, confirm: NewPassword + "x")).Text);

        Assert.Equal(hash, await PasswordHashAsync(userName));
        Assert.Equal(0, await FailedLoginCountAsync(userName));
    }

    [Fact]
    public async Task ChangePassword_WithoutAntiforgeryToken_Refused()
    {
        // Note: a page elsewhere that makes the signed-in browser post the form (CSRF) has no token to send.
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "跨站", Password);
        using var browser = await SignedInAsync(userName, Password);
        var hash = await PasswordHashAsync(userName);

        using var forged = await browser.PostFormAsync("/account", "/account?handler=ChangePassword", PasswordForm(Password, NewPassword, NewPassword), withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(hash, await PasswordHashAsync(userName));
    }

    private async Task<CrmBrowser> SignedInAsync(string userName, string password)
    {
        var browser = new CrmBrowser(System, UserAgents.DesktopChrome);
        var home = await browser.SignInWithPasswordAsync(userName, password);
        Assert.Contains("，您好", home.Text);
        return browser;
    }

    private static async Task<CrmPage> ChangePasswordAsync(CrmBrowser browser, string current, string next, string? confirm = null) =>
        await browser.SubmitAsync("/account", "/account?handler=ChangePassword", PasswordForm(current, next, confirm ?? next));

    private static Dictionary<string, string> PasswordForm(string current, string next, string confirm) => new()
    {
        ["PasswordInput.CurrentPassword"] = current,
        ["PasswordInput.NewPassword"] = next,
        ["PasswordInput.ConfirmPassword"] = confirm,
    };

    private static async Task AssertSignedInAsync(CrmBrowser browser, string displayName)
    {
        var page = await browser.OpenAsync("/account");
        Assert.Equal("/account", page.Url.AbsolutePath);
        Assert.Contains(displayName, page.Text);
    }

    private static async Task AssertSignedOutAsync(CrmBrowser browser)
    {
        var page = await browser.OpenAsync("/account");
        Assert.Equal("/login", page.Url.AbsolutePath);
        // And it stays out: the handler deleted the cookie, so nothing signs the browser back in.
        Assert.Equal("/login", (await browser.OpenAsync("/customers")).Url.AbsolutePath);
    }

    private async Task<int> FailedLoginCountAsync(string userName) => Convert.ToInt32(
        (await System.QueryAsync("SELECT failed_login_count FROM accounts WHERE user_name = @u", ("@u", userName))).Single()["failed_login_count"], CultureInfo.InvariantCulture);

    private async Task<string> PasswordHashAsync(string userName) =>
        (string)(await System.QueryAsync("SELECT password_hash FROM accounts WHERE user_name = @u", ("@u", userName))).Single()["password_hash"]!;
}
