using Microsoft.Playwright;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Browser;

/// <summary>
/// What the demo documents, clicked through: a stranger's 「新建账号」 waits on 「等待管理员审核」; the 管理员 opens
/// 「用户管理」 on a desktop, finds it under 「待审核」 and presses 「批准」; the phone's next refresh shows the customers.
/// Screenshots: crm-20-pending.png, crm-21-users.png, crm-22-approved.png.
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class ApprovalJourneyTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private static readonly PageWaitForURLOptions Slow = new() { Timeout = 30_000 };
    private CrmSystem System => fixture.System;

    private string At(string path) => new Uri(System.BaseAddress, path).AbsoluteUri;

    [Fact]
    public async Task SelfRegistered_WaitsForApproval_AdminApprovesInUserManagement_ThenSeesCustomers()
    {
        var openId = await System.AddWeixinUserAsync("申请人小马");
        var userName = CrmSystem.NewUserName("ma");
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();

        await phone.GotoAsync(At("/login"));
        await phone.ClickAsync("#weixin-login");
        await phone.WaitForURLAsync("**/connect/oauth2/authorize?**", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await phone.CheckAsync($"input[name=sim_user][value='{openId}']");
        await phone.ClickAsync("button.allow");
        await PhoneConfirmation.ConfirmAsync(phone, System, openId);
        await phone.WaitForURLAsync(At("/login/weixin/bind"), Slow);
        await phone.ClickAsync("#tab-create");
        Assert.Contains("需要管理员审核", await phone.InnerTextAsync("#approval-hint"));
        await phone.FillAsync("#CreateInput_UserName", userName);
        await phone.FillAsync("#CreateInput_Password", Password);
        await phone.FillAsync("#CreateInput_ConfirmPassword", Password);
        await phone.ClickAsync("#create-submit");
        await phone.WaitForURLAsync(At("/pending"));
        Assert.Contains("等待管理员审核", await phone.InnerTextAsync("#pending"));
        await Chromium.ScreenshotAsync(phone, "crm-20-pending");
        await phone.GotoAsync(At("/customers"));
        Assert.Equal(At("/pending"), phone.Url); // no customer page before approval

        var desktop = await chromium.NewDesktopAsync();
        await desktop.GotoAsync(At("/login"));
        await desktop.FillAsync("#Input_UserName", "admin");
        await desktop.FillAsync("#Input_Password", System.AdminPassword);
        await desktop.ClickAsync("#password-login");
        await desktop.WaitForURLAsync(At("/customers"));
        await desktop.ClickAsync("#nav-users");
        await desktop.ClickAsync("#tab-pending");
        await desktop.ClickAsync($"li.user[data-user='{userName}'] a");
        Assert.Equal("待审核", await desktop.InnerTextAsync("#user-status"));
        await Chromium.ScreenshotAsync(desktop, "crm-21-users");
        await desktop.ClickAsync("#approve");
        await desktop.WaitForSelectorAsync("#notice");
        Assert.Contains("已批准", await desktop.InnerTextAsync("#notice"));
        Assert.Equal("已启用", await desktop.InnerTextAsync("#user-status"));

        await phone.ClickAsync("#pending-refresh");
        await phone.WaitForURLAsync(At("/customers"));
        Assert.Contains("显示您负责的客户", await phone.InnerTextAsync("#welcome"));
        Assert.False(await phone.IsVisibleAsync("#nav-users"));
        await Chromium.ScreenshotAsync(phone, "crm-22-approved");
    }
}
