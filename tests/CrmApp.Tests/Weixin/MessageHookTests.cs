using System.Net;
using System.Text;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Weixin;

/// <summary>Employees query the CRM from the 公众号: WeChat → inbox → poller → this hook → passive reply.</summary>
[Collection(CrmCollection.Name)]
public sealed class MessageHookTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    private async Task<string> BoundEmployeeAsync(string displayName)
    {
        var openId = await System.AddWeixinUserAsync(displayName);
        await System.CreateAccountAsync(CrmSystem.NewUserName(), displayName, "Secret2024ab", openId);
        await System.Login.SendAsUserAsync(openId, "subscribe");
        return openId;
    }

    [Fact]
    public async Task CustomerQuery_FromBoundEmployee_ListsMatchingCustomersPassively()
    {
        var openId = await BoundEmployeeAsync("查客户");

        var delivery = await System.Login.SendAsUserAsync(openId, "text", "客户 张", mode: "aes");

        Assert.Equal("passive", delivery.Via);
        Assert.Contains("张伟", delivery.Reply);
        Assert.Contains("张敏", delivery.Reply);
        Assert.DoesNotContain("王芳", delivery.Reply);
    }

    [Fact]
    public async Task CustomerQuery_FromUnboundWeixinUser_RevealsNothing()
    {
        var openId = await System.AddWeixinUserAsync("陌生人");
        await System.Login.SendAsUserAsync(openId, "subscribe");

        var delivery = await System.Login.SendAsUserAsync(openId, "text", "客户 张");

        Assert.Contains("还没有绑定", delivery.Reply);
        Assert.Contains("/login/weixin", delivery.Reply);
        Assert.DoesNotContain("张伟", delivery.Reply);
    }

    [Fact]
    public async Task Help_ListsTheCommands()
    {
        var openId = await BoundEmployeeAsync("求助");

        var delivery = await System.Login.SendAsUserAsync(openId, "text", "帮助", mode: "compat");

        Assert.Contains("客户 <姓名或公司>", delivery.Reply);
        Assert.Contains("我的客户", delivery.Reply);
    }

    [Fact]
    public async Task MyCustomersMenu_ListsOnlyTheEmployeesOwnCustomers()
    {
        var openId = await System.AddWeixinUserAsync("点菜单");
        var accountId = await System.CreateAccountAsync(CrmSystem.NewUserName(), "菜单用户", "Secret2024ab", openId);
        await System.QueryAsync("INSERT INTO customers (name, company, phone, owner_id, created_at) VALUES ('欧阳锋', '白驼山庄', '13900000001', @o, UTC_TIMESTAMP(6))", ("@o", accountId));
        await System.Login.SendAsUserAsync(openId, "subscribe");

        var delivery = await System.Login.SendAsUserAsync(openId, "click", eventKey: "MY_CUSTOMERS");

        Assert.Contains("欧阳锋（白驼山庄）", delivery.Reply);
        Assert.DoesNotContain("张伟", delivery.Reply);
    }

    [Fact]
    public async Task Hook_Unsigned_IsRefused()
    {
        using var http = new HttpClient { BaseAddress = System.BaseAddress };
        using var response = await http.PostAsync("/weixin/hook/message",
            new StringContent("""{"openId":"o_x","msgType":"text","content":"客户 张","createTime":1}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("张伟", await response.Content.ReadAsStringAsync());
    }
}
