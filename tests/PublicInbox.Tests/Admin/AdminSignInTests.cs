using System.Net;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>Sign-in, lockout, session and the pages' headers, against the real inbox process.</summary>
public class AdminSignInTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    private AdminInbox Inbox => fixture.Inbox;

    [Fact]
    public async Task SignIn_WithTheRightPassword_OpensTheDashboardAndIsAudited()
    {
        using var client = Inbox.NewClient();

        using var response = await client.SignInAsync(AdminInbox.AdminName, AdminInbox.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("wx_admin=", StringComparison.Ordinal));
        Assert.Contains("path=/admin", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var dashboard = await client.GetPageAsync("/admin");
        Assert.Contains("概览", dashboard);
        Assert.Contains(AdminInbox.AdminName, dashboard);
        var audit = (await Inbox.AuditAsync(AdminAuditActions.SignInOk)).First();
        Assert.Equal(AdminInbox.AdminName, audit["actor"]);
        Assert.Equal("127.0.0.1", audit["remote_ip"]);
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_IsRefusedAndAudited()
    {
        using var client = Inbox.NewClient();

        using var response = await client.SignInAsync(AdminInbox.AdminName, "wrong-password-123");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("用户名或密码错误", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("wx_admin=", StringComparison.Ordinal));
        using var page = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var audit = (await Inbox.AuditAsync(AdminAuditActions.SignInFailed)).First(a => a["actor"] as string == AdminInbox.AdminName);
        Assert.Contains("wrong password", (string)audit["detail"]!);
        Assert.Equal("127.0.0.1", audit["remote_ip"]);
        // Note: clears the counter again so other tests of this class can still sign in as this admin.
        using var ok = await client.SignInAsync(AdminInbox.AdminName, AdminInbox.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
    }

    [Fact]
    public async Task SignIn_AfterFiveWrongPasswords_LocksTheNameEvenForTheRightPassword()
    {
        using var client = Inbox.NewClient();
        for (var i = 0; i < 4; i++)
        {
            using var wrong = await client.SignInAsync(AdminInbox.LockName, "not-the-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var fifth = await client.SignInAsync(AdminInbox.LockName, "not-the-password");
        using var right = await Inbox.NewClient().SignInAsync(AdminInbox.LockName, AdminInbox.LockPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Contains("已锁定", await right.Content.ReadAsStringAsync());
        var row = Assert.Single(await Inbox.QueryAsync("SELECT failures, locked_until, remote_address FROM admin_sign_in_locks WHERE user_name = @n", ("@n", AdminInbox.LockName)));
        Assert.Equal(5, row["failures"]);
        Assert.Equal("127.0.0.1", row["remote_address"]);
        var lockedUntil = (DateTime)row["locked_until"]!;
        Assert.InRange(lockedUntil, DateTime.UtcNow.AddMinutes(14), DateTime.UtcNow.AddMinutes(16));
        var locked = await Inbox.AuditAsync(AdminAuditActions.SignInLocked);
        Assert.Equal(2, locked.Count(a => a["actor"] as string == AdminInbox.LockName));
        Assert.Equal(4, (await Inbox.AuditAsync(AdminAuditActions.SignInFailed)).Count(a => a["actor"] as string == AdminInbox.LockName));
    }

    [Fact]
    public async Task SignIn_WithoutTheAntiforgeryToken_IsRefused()
    {
        using var client = Inbox.NewClient();

        using var response = await client.PostFormAsync("/admin/login", "/admin/login",
            [new("name", AdminInbox.AdminName), new("password", AdminInbox.AdminPassword)], withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var page = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/items")]
    [InlineData("/admin/audit")]
    [InlineData("/admin/items/export")]
    public async Task Pages_WithoutSignIn_RedirectToTheSignInPage(string path)
    {
        using var client = Inbox.NewClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://127.0.0.1", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Contains("/admin/login?returnUrl=", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_ReturnsToTheLocalAdminPageAskedFor_ButNeverOffSite()
    {
        using var client = Inbox.NewClient();
        using var back = await client.PostFormAsync("/admin/login?returnUrl=%2Fadmin%2Faudit", "/admin/login",
            [new("name", AdminInbox.AdminName), new("password", AdminInbox.AdminPassword), new("returnUrl", "/admin/audit")]);
        using var offSite = await Inbox.NewClient().PostFormAsync("/admin/login", "/admin/login",
            [new("name", AdminInbox.AdminName), new("password", AdminInbox.AdminPassword), new("returnUrl", "//evil.example/admin")]);

        Assert.Equal("/admin/audit", back.Headers.Location?.OriginalString);
        Assert.Equal("/admin", offSite.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignOut_EndsTheSessionAndIsAudited()
    {
        using var client = await Inbox.SignedInAsync();

        using var response = await client.PostFormAsync("/admin", "/admin/logout", []);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var after = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains(await Inbox.AuditAsync(AdminAuditActions.SignOut), a => a["actor"] as string == AdminInbox.AdminName);
    }

    [Fact]
    public async Task AdminPages_CarryAStrictNonceCsp()
    {
        using var client = await Inbox.SignedInAsync();

        using var response = await client.GetAsync("/admin");
        var html = await response.Content.ReadAsStringAsync();

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'nonce-", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
        Assert.DoesNotContain(" onclick=", html);
        Assert.Contains("<svg", html);
    }

    [Fact]
    public async Task Session_WorksOnAnotherInstance_ButEndsWhenThePasswordHashChanges()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-rehash");
        using var client = await inbox.SignedInAsync();
        Assert.Contains("概览", await client.GetPageAsync("/admin"));

        // Another instance with the same settings reads the same keys from MySQL: the session goes on there.
        await using (var same = await inbox.StartAnotherInstanceAsync("inbox-rehash-same", new Dictionary<string, string?>()))
        {
            using var there = client.WithCookiesFor(same.BaseAddress);
            using var page = await there.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // After a suspected leak the operator sets a new password hash: the old session is over everywhere.
        await using var rehashed = await inbox.StartAnotherInstanceAsync("inbox-rehash-new", new Dictionary<string, string?>
        {
            ["Admin__Users__0__PasswordHash"] = AdminPasswords.Hash("a-brand-new-password-42"),
        });
        using var stale = client.WithCookiesFor(rehashed.BaseAddress);
        using var refused = await stale.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal("/admin/login", new Uri(rehashed.BaseAddress, refused.Headers.Location!).AbsolutePath);
    }
}
