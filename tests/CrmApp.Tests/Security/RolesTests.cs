using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Security;

/// <summary>
/// Issue 13 item 9, as a 销售, a self-registered stranger or a disabled employee would try it over HTTP against the
/// real CrmApp (and through WeChat → inbox → poller → the signed hook): a 销售 sees only the customers they own, a
/// pending account sees none, a disabled one cannot sign in, and 「用户管理」 is for an active 管理员 only.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class RolesTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];

    private async Task<(int Id, string UserName, string OpenId)> AccountAsync(string displayName, string role = "sales", string status = "active")
    {
        var openId = await System.AddWeixinUserAsync(displayName + "的微信");
        var userName = CrmSystem.NewUserName("r");
        var id = await System.CreateAccountAsync(userName, displayName, Password, openId, role, status);
        await System.Login.SendAsUserAsync(openId, "subscribe");
        return (id, userName, openId);
    }

    private async Task<int> CustomerAsync(string name, int ownerId)
    {
        var rows = await System.QueryAsync("""
            INSERT INTO customers (name, company, phone, owner_id, created_at) VALUES (@n, '角色测试公司', '13800000000', @o, UTC_TIMESTAMP(6));
            SELECT LAST_INSERT_ID() AS id;
            """, ("@n", name), ("@o", ownerId));
        return Convert.ToInt32(rows.Single()["id"], CultureInfo.InvariantCulture);
    }

    private async Task<CrmBrowser> SignedInAsync(string userName, string password = Password)
    {
        var browser = new CrmBrowser(System, UserAgents.DesktopChrome);
        await browser.SignInWithPasswordAsync(userName, password);
        return browser;
    }

    private async Task<string> HookAsync(string openId, string text) =>
        (await System.Login.SendAsUserAsync(openId, "text", text, mode: "aes")).Reply ?? "";

    [Fact]
    public async Task SalesA_CannotSeeSalesBsCustomer_ByList_ById_BySearch_ByPost_OrThroughTheHook()
    {
        var a = await AccountAsync("甲销售");
        var b = await AccountAsync("乙销售");
        var mine = Unique("甲的客户");
        var theirs = Unique("乙的客户");
        await CustomerAsync(mine, a.Id);
        var theirsId = await CustomerAsync(theirs, b.Id);
        using var browser = await SignedInAsync(a.UserName);

        var list = await browser.OpenAsync("/customers");
        Assert.Contains(mine, list.Text);
        Assert.DoesNotContain(theirs, list.Text);
        Assert.DoesNotContain("张伟", list.Text); // the seeded customers are the admin's
        var search = await browser.OpenAsync("/customers?q=" + Uri.EscapeDataString(theirs));
        Assert.Contains($"没有找到与「{theirs}」相关的客户", search.Text);
        var byId = await browser.OpenAsync($"/customers/{theirsId}");
        Assert.Equal(HttpStatusCode.NotFound, byId.Status);
        Assert.DoesNotContain(theirs, byId.Text);
        var note = Unique("越权记录");
        using (var posted = await browser.PostFormAsync("/customers", $"/customers/{theirsId}", new Dictionary<string, string> { ["Note.Content"] = note }))
        {
            Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        }

        Assert.Empty(await System.QueryAsync("SELECT id FROM follow_up_notes WHERE content = @c", ("@c", note)));

        // The same through the 公众号: a search and 「我的客户」 answer only A's customers.
        Assert.Contains("没有找到客户", await HookAsync(a.OpenId, "客户 " + theirs));
        Assert.Contains(mine, await HookAsync(a.OpenId, "客户 " + mine));
        var menu = await System.Login.SendAsUserAsync(a.OpenId, "click", eventKey: "MY_CUSTOMERS");
        Assert.Contains(mine, menu.Reply);
        Assert.DoesNotContain(theirs, menu.Reply);

        // A 管理员 sees B's customer (the scope is the role, not a broken search).
        using var admin = await SignedInAsync(CrmSystemAdmin, System.AdminPassword);
        Assert.Contains(theirs, (await admin.OpenAsync("/customers?q=" + Uri.EscapeDataString(theirs))).Text);
        Assert.Equal(HttpStatusCode.OK, (await admin.OpenAsync($"/customers/{theirsId}")).Status);
    }

    private const string CrmSystemAdmin = "admin";

    [Fact]
    public async Task Pending_SeesNoCustomer_HookSaysAwaitingApproval_ApprovedByAdmin_ThenSeesOwn()
    {
        var pending = await AccountAsync("待审小李", status: "pending");
        var own = Unique("小李的客户");
        var ownId = await CustomerAsync(own, pending.Id);
        using var browser = await SignedInAsync(pending.UserName);

        foreach (var path in new[] { "/", "/customers", $"/customers/{ownId}", "/customers?q=" + Uri.EscapeDataString(own), "/notifications", "/customers/create" })
        {
            var page = await browser.OpenAsync(path);
            Assert.Equal("/pending", page.Url.AbsolutePath);
            Assert.Contains("等待管理员审核", page.Text);
            Assert.DoesNotContain(own, page.Text);
        }

        var created = await browser.PostFormAsync("/pending", "/customers/create", new Dictionary<string, string> { ["Input.Name"] = Unique("偷建") });
        Assert.Equal("/pending", CrmBrowser.LocationOf(created));
        var hook = await HookAsync(pending.OpenId, "客户 " + own);
        Assert.Contains("等待管理员审核", hook);
        Assert.DoesNotContain(own, hook);

        // 用户管理: the admin finds the account under 待审核 and approves it.
        using var admin = await SignedInAsync(CrmSystemAdmin, System.AdminPassword);
        var queue = await admin.OpenAsync("/admin/users?status=pending");
        Assert.Contains($"data-user=\"{pending.UserName}\" data-status=\"pending\"", queue.Html);
        var approved = await admin.SubmitAsync($"/admin/users/{pending.Id}", $"/admin/users/{pending.Id}?handler=Approve", new Dictionary<string, string>());
        Assert.Contains("已批准「待审小李」", approved.Text);
        Assert.Equal("active", (await System.QueryAsync("SELECT status FROM accounts WHERE id = @i", ("@i", pending.Id))).Single()["status"]);

        var list = await browser.OpenAsync("/customers");
        Assert.Equal("/customers", list.Url.AbsolutePath);
        Assert.Contains(own, list.Text);
        Assert.DoesNotContain("张伟", list.Text);
        Assert.Contains(own, await HookAsync(pending.OpenId, "客户 " + own));
    }

    [Fact]
    public async Task Disabled_CannotSignIn_WithPasswordOrWeixin_OpenSessionEnds_HookRefuses()
    {
        var employee = await AccountAsync("将停用");
        var own = Unique("停用者客户");
        await CustomerAsync(own, employee.Id);
        using var session = await SignedInAsync(employee.UserName);
        Assert.Contains(own, (await session.OpenAsync("/customers")).Text);

        using var admin = await SignedInAsync(CrmSystemAdmin, System.AdminPassword);
        var disabled = await admin.SubmitAsync($"/admin/users/{employee.Id}", $"/admin/users/{employee.Id}?handler=Disable", new Dictionary<string, string>());
        Assert.Contains("已停用「将停用」", disabled.Text);

        // The open session: its next request is signed out (whether the status or the renewed security stamp ends it).
        var after = await session.OpenAsync("/customers");
        Assert.Equal("/login", after.Url.AbsolutePath);
        Assert.DoesNotContain(own, after.Text);
        Assert.Equal("/login", (await session.OpenAsync("/account")).Url.AbsolutePath);

        // Password: the right password is refused with the message.
        using var fresh = new CrmBrowser(System, UserAgents.DesktopChrome);
        var byPassword = await fresh.SignInWithPasswordAsync(employee.UserName, Password);
        Assert.Contains("该账号已停用，请联系管理员", byPassword.Text);
        Assert.Equal("/login", (await fresh.OpenAsync("/customers")).Url.AbsolutePath);

        // WeChat: the bound WeChat user is sent back to the login page with the message, not signed in.
        using var phone = new CrmBrowser(System);
        var done = await phone.WeixinUntilReturnAsync(employee.OpenId);
        using var answer = await phone.Http.GetAsync(done);
        Assert.Equal("/login?err=account_disabled", CrmBrowser.LocationOf(answer));
        Assert.Contains("该账号已停用，请联系管理员", (await phone.OpenAsync("/login?err=account_disabled")).Text);
        using (var notSignedIn = await phone.GetAsync("/customers"))
        {
            Assert.StartsWith("/login/weixin?returnUrl=", CrmBrowser.LocationOf(notSignedIn)); // no session: back to the login
        }

        var hook = await HookAsync(employee.OpenId, "客户 " + own);
        Assert.Contains("该账号已停用", hook);
        Assert.DoesNotContain(own, hook);

        // Enabled again, the password works.
        await admin.SubmitAsync($"/admin/users/{employee.Id}", $"/admin/users/{employee.Id}?handler=Enable", new Dictionary<string, string>());
        using var again = new CrmBrowser(System, UserAgents.DesktopChrome);
        Assert.Contains(own, (await again.SignInWithPasswordAsync(employee.UserName, Password)).Text);
    }

    [Fact]
    public async Task NonAdmin_GetAndPostToUserManagement_AreRefused_NavShowsItToAdminOnly()
    {
        var sales = await AccountAsync("普通销售");
        var target = await AccountAsync("被操作者");
        using var browser = await SignedInAsync(sales.UserName);

        var home = await browser.OpenAsync("/customers");
        Assert.DoesNotContain("nav-users", home.Html);
        var list = await browser.OpenAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Forbidden, list.Status);
        Assert.Contains("没有权限", list.Text);
        Assert.DoesNotContain(target.UserName, list.Text);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.OpenAsync($"/admin/users/{target.Id}")).Status);
        foreach (var handler in new[] { "Disable", "Role", "Password", "Unbind" })
        {
            // Note: a valid antiforgery token of this session (from its own page), so only the role can refuse it.
            using var response = await browser.PostFormAsync("/customers/create", $"/admin/users/{target.Id}?handler={handler}",
                new Dictionary<string, string> { ["role"] = "admin", ["NewPassword"] = "Takeover2024" });
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        var row = (await System.QueryAsync("SELECT role, status, weixin_open_id FROM accounts WHERE id = @i", ("@i", target.Id))).Single();
        Assert.Equal("sales", row["role"]);
        Assert.Equal("active", row["status"]);
        Assert.Equal(target.OpenId, row["weixin_open_id"]);
        using (var byPassword = new CrmBrowser(System, UserAgents.DesktopChrome))
        {
            Assert.Contains("用户名或密码错误", (await byPassword.SignInWithPasswordAsync(target.UserName, "Takeover2024")).Text);
        }

        // A pending account is sent to its waiting page instead.
        var pending = await AccountAsync("待审者", status: "pending");
        using var waiting = await SignedInAsync(pending.UserName);
        Assert.Equal("/pending", (await waiting.OpenAsync("/admin/users")).Url.AbsolutePath);

        using var admin = await SignedInAsync(CrmSystemAdmin, System.AdminPassword);
        var adminHome = await admin.OpenAsync("/customers");
        Assert.Contains("id=\"nav-users\"", adminHome.Html);
        Assert.Contains(target.UserName, (await admin.OpenAsync("/admin/users")).Text);
    }

    [Fact]
    public async Task LastActiveAdmin_CannotBeDisabledOrDemoted_EvenByThemselves()
    {
        var adminId = Convert.ToInt32((await System.QueryAsync("SELECT id FROM accounts WHERE user_name = 'admin'")).Single()["id"], CultureInfo.InvariantCulture);
        var other = await AccountAsync("另一管理员", role: "admin");
        using var admin = await SignedInAsync(CrmSystemAdmin, System.AdminPassword);

        // With another active 管理员, demoting that one works (the guard is not a blanket refusal).
        var demoted = await admin.SubmitAsync($"/admin/users/{other.Id}", $"/admin/users/{other.Id}?handler=Role", new Dictionary<string, string> { ["role"] = "sales" });
        Assert.Contains("已把「另一管理员」设为销售", demoted.Text);

        // Note: other tests of this collection (run one class at a time) leave active admins behind; they are set aside
        // for this test so `admin` is the last one, and put back afterwards.
        var others = (await System.QueryAsync("SELECT id FROM accounts WHERE role = 'admin' AND status = 'active' AND id <> @a", ("@a", adminId)))
            .Select(r => Convert.ToInt32(r["id"], CultureInfo.InvariantCulture)).ToList();
        if (others.Count > 0)
        {
            await System.QueryAsync($"UPDATE accounts SET status = 'disabled' WHERE id IN ({string.Join(',', others)})");
        }

        try
        {
            var disable = await admin.SubmitAsync($"/admin/users/{adminId}", $"/admin/users/{adminId}?handler=Disable", new Dictionary<string, string>());
            Assert.Contains("不能停用或降级最后一名管理员", disable.Text);
            var demote = await admin.SubmitAsync($"/admin/users/{adminId}", $"/admin/users/{adminId}?handler=Role", new Dictionary<string, string> { ["role"] = "sales" });
            Assert.Contains("不能停用或降级最后一名管理员", demote.Text);
            var row = (await System.QueryAsync("SELECT role, status FROM accounts WHERE id = @a", ("@a", adminId))).Single();
            Assert.Equal("admin", row["role"]);
            Assert.Equal("active", row["status"]);
            Assert.Equal(HttpStatusCode.OK, (await admin.OpenAsync("/admin/users")).Status);
        }
        finally
        {
            if (others.Count > 0)
            {
                await System.QueryAsync($"UPDATE accounts SET status = 'active' WHERE id IN ({string.Join(',', others)})");
            }
        }
    }

    [Fact]
    public async Task ResetPassword_Generated_ShownOnce_OldPasswordStopsWorking_UnbindRemovesWeixin()
    {
        var employee = await AccountAsync("忘密码");
        using var admin = await SignedInAsync(CrmSystemAdmin, System.AdminPassword);

        var weak = await admin.SubmitAsync($"/admin/users/{employee.Id}", $"/admin/users/{employee.Id}?handler=Password", new Dictionary<string, string> { ["NewPassword"] = "short" });
        Assert.Contains("密码太短", weak.Text);
        var generated = await admin.SubmitAsync($"/admin/users/{employee.Id}", $"/admin/users/{employee.Id}?handler=Password", new Dictionary<string, string> { ["Generate"] = "true" });
        var password = Regex.Match(generated.Html, "id=\"generated-password\"[^>]*>([^<]+)<").Groups[1].Value;
        Assert.Matches("^[A-Za-z0-9]{12}$", password);
        Assert.DoesNotContain(password, (await admin.OpenAsync($"/admin/users/{employee.Id}")).Text); // shown once
        using (var old = new CrmBrowser(System, UserAgents.DesktopChrome))
        {
            Assert.Contains("用户名或密码错误", (await old.SignInWithPasswordAsync(employee.UserName, Password)).Text);
        }

        using (var fresh = new CrmBrowser(System, UserAgents.DesktopChrome))
        {
            Assert.Contains("忘密码，您好", (await fresh.SignInWithPasswordAsync(employee.UserName, password)).Text);
        }

        var unbound = await admin.SubmitAsync($"/admin/users/{employee.Id}", $"/admin/users/{employee.Id}?handler=Unbind", new Dictionary<string, string>());
        Assert.Contains("已解除「忘密码」的微信绑定", unbound.Text);
        Assert.Null((await System.QueryAsync("SELECT weixin_open_id FROM accounts WHERE id = @i", ("@i", employee.Id))).Single()["weixin_open_id"]);
        Assert.Contains("还没有绑定", await HookAsync(employee.OpenId, "客户 张"));
    }

    [Fact]
    public async Task SelfRegistration_Off_NoCreateTab_AndAPostIsRefused_Open_MakesAnActiveSales()
    {
        await using var off = await System.StartAnotherInstanceAsync("crm-selfreg-off", new Dictionary<string, string> { ["Accounts__SelfRegistration"] = "off" });
        await using var open = await System.StartAnotherInstanceAsync("crm-selfreg-open", new Dictionary<string, string> { ["Accounts__SelfRegistration"] = "open" });

        // off: the bind page offers only 「绑定已有账号」, and a hand-made POST to 「新建账号」 creates nothing.
        var stranger = await System.AddWeixinUserAsync("关闭注册");
        using (var browser = new CrmBrowser(System))
        {
            using (var done = await browser.WeixinLoginAsync(stranger))
            {
                Assert.Equal("/login/weixin/bind", CrmBrowser.LocationOf(done));
            }

            browser.BaseAddress = off.BaseAddress; // Note: same database and keys: the identity cookie is good here too.
            var page = await browser.OpenAsync("/login/weixin/bind?tab=create");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.DoesNotContain("新建账号", page.Text);
            Assert.DoesNotContain("create-form", page.Html);
            Assert.Contains("bind-form", page.Html);
            using var posted = await browser.PostFormAsync("/login/weixin/bind", "/login/weixin/bind?handler=Create", new Dictionary<string, string>
            {
                ["CreateInput.UserName"] = CrmSystem.NewUserName("off"),
                ["CreateInput.DisplayName"] = "偷偷注册",
                ["CreateInput.Password"] = Password,
                ["CreateInput.ConfirmPassword"] = Password,
            });
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
            Assert.Contains("未开放自助注册", WebUtility.HtmlDecode(await posted.Content.ReadAsStringAsync()));
            Assert.Empty(await System.QueryAsync("SELECT id FROM accounts WHERE weixin_open_id = @o", ("@o", stranger)));
        }

        // open: 「新建账号」 makes an active 销售 at once.
        var newcomer = await System.AddWeixinUserAsync("开放注册");
        var userName = CrmSystem.NewUserName("open");
        using (var browser = new CrmBrowser(System))
        {
            using (var done = await browser.WeixinLoginAsync(newcomer))
            {
                Assert.Equal("/login/weixin/bind", CrmBrowser.LocationOf(done));
            }

            browser.BaseAddress = open.BaseAddress;
            Assert.DoesNotContain("需要管理员审核", (await browser.OpenAsync("/login/weixin/bind?tab=create")).Text);
            var home = await browser.SubmitAsync("/login/weixin/bind?tab=create", "/login/weixin/bind?handler=Create", new Dictionary<string, string>
            {
                ["CreateInput.UserName"] = userName,
                ["CreateInput.DisplayName"] = "开放新人",
                ["CreateInput.Password"] = Password,
                ["CreateInput.ConfirmPassword"] = Password,
            });
            Assert.Equal("/customers", home.Url.AbsolutePath);
            Assert.Contains("开放新人，您好", home.Text);
            Assert.DoesNotContain("张伟", home.Text); // a 销售 sees only their own customers (none yet)
        }

        var row = (await System.QueryAsync("SELECT role, status FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
        Assert.Equal("sales", row["role"]);
        Assert.Equal("active", row["status"]);
    }
}
