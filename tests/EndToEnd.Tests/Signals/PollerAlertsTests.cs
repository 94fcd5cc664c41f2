using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Signals;

/// <summary>The whole system on an unverified 订阅号 (the simulator answers 48001 to templates), with the inbox admin on.</summary>
public sealed class UnverifiedAccountFixture : IAsyncLifetime
{
    public const string AdminPassword = "alerts-admin-password-1";

    public LoginSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await LoginSystem.StartAsync(
        new LoginSystemSettings { WeixinAccountType = "UnverifiedSubscription", InboxAdminPassword = AdminPassword }, "alerts");

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>A 48001 the poller meets while sending reaches the inbox admin's 「概览」 as a red line naming the account it needs.</summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class PollerAlertsTests(UnverifiedAccountFixture fixture) : IClassFixture<UnverifiedAccountFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task TemplateOnAnAccountWithoutTemplates_TheOverviewShowsThe48001()
    {
        var openId = await System.AddWeixinUserAsync("未认证订阅号的用户");
        await System.SendAsUserAsync(openId, "subscribe");
        var queued = await System.Gateway.SendMessageAsync(new SendMessageRequest("alerts-" + openId, openId, new TemplateMessage("TPL_FOLLOW_UP",
            new Dictionary<string, TemplateField> { ["thing1"] = new("客户"), ["time2"] = new("2026-11-25 10:00"), ["thing3"] = new("权限测试"), ["thing4"] = new("测试") })));
        var status = queued;
        for (var i = 0; i < 150 && !MessageStatuses.IsFinal(status.Status); i++)
        {
            await Task.Delay(100);
            status = await System.Gateway.GetMessageAsync(queued.Id);
        }

        Assert.Equal((MessageStatuses.Failed, 48001), (status.Status, status.LastErrCode));

        using var admin = await SignedInAdminAsync();
        // Note: the alert rides on the poller's next claim, which starts after at most one long poll (8 s by default).
        var html = "";
        for (var i = 0; i < 60 && !html.Contains("48001", StringComparison.Ordinal); i++)
        {
            await Task.Delay(500);
            html = await admin.GetStringAsync("/admin");
        }

        Assert.Matches("<p class=\"alert\" role=\"alert\" data-alert=\"48001 cgi-bin/message/template/send\">内网报告（[^）]+）：公众号未获得该接口权限（48001）：模板消息需要已认证的服务号。[^<]*（首次 北京时间 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d，最近 ", html);
    }

    private async Task<HttpClient> SignedInAdminAsync()
    {
        var admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = System.Inbox.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var form = await admin.GetStringAsync("/admin/login");
        var token = TokenPattern().Match(form);
        Assert.True(token.Success, "no antiforgery token on the sign-in page");
        using var response = await admin.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = LoginSystem.InboxAdminName,
            ["password"] = UnverifiedAccountFixture.AdminPassword,
            [token.Groups[1].Value] = token.Groups[2].Value,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return admin;
    }

    [GeneratedRegex("name=\"(__af)\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
