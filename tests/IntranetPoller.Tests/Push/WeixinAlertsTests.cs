using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Tests.Messages;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// The WeChat conditions the poller reports to the inbox: a 48001 or 40164 from the real simulator rides along with the
/// next claim (the real claim loop, against a stand-in of the inbox's claim endpoint), and goes once WeChat accepts again.
/// </summary>
public class WeixinAlertsTests(UnverifiedSubscriptionSimulatorFixture fixture) : IClassFixture<UnverifiedSubscriptionSimulatorFixture>
{
    private const string TemplateAlert = "48001 cgi-bin/message/template/send";

    [Fact]
    public async Task Template48001_GoesWithTheNextClaim_AndIsClearedOnceTheTemplateIsAccepted()
    {
        await fixture.SetAccountTypeAsync("UnverifiedSubscription");
        await using var inbox = await StartInboxAsync();
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        await using var host = await StartPollerAsync(inbox, database);
        var openId = await fixture.AddUserAsync(database: database);
        try
        {
            Assert.Empty(await ClaimedAlertsAsync(host, inbox)); // Note: nothing seen yet, nothing reported.

            var refused = await host.SendTemplateAsync(openId);
            await host.DeliverAsync();
            Assert.Equal(48001, (await host.Gateway.GetMessageAsync(refused.Id)).LastErrCode);

            var alert = Assert.Single(await ClaimedAlertsAsync(host, inbox));
            Assert.Equal(TemplateAlert, alert.Code);
            Assert.Equal("公众号未获得该接口权限（48001）：模板消息需要已认证的服务号。请在公众平台确认账号类型与认证状态。", alert.Reason);
            Assert.True(alert.Since <= alert.LastSeen && alert.Since > DateTimeOffset.UtcNow.AddMinutes(-5), $"since {alert.Since}");
            Assert.Equal(TemplateAlert, Assert.Single(await ClaimedAlertsAsync(host, inbox)).Code); // Note: every claim, until it ends.

            // Note: the account is upgraded to a verified 服务号; the next template goes through and the alert ends.
            await fixture.SetAccountTypeAsync("VerifiedService");
            var accepted = await host.SendTemplateAsync(openId);
            await host.DeliverAsync();
            Assert.Equal(MessageStatuses.Sent, (await host.Gateway.GetMessageAsync(accepted.Id)).Status);

            Assert.Empty(await ClaimedAlertsAsync(host, inbox));
        }
        finally
        {
            await fixture.SetAccountTypeAsync("UnverifiedSubscription");
        }
    }

    [Fact]
    public async Task IpNotWhitelisted_GoesWithTheNextClaimNamingTheIp_AndIsClearedByTheNextTokenFetch()
    {
        await using var inbox = await StartInboxAsync();
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        await using var host = await StartPollerAsync(inbox, database);
        var openId = await fixture.AddUserAsync(database: database);
        await fixture.FaultAsync(new { apiTokenErrcode = 40164, count = 1 });
        try
        {
            await host.SendTemplateAsync(openId);
            await host.DeliverAsync();
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }

        var alert = Assert.Single(await ClaimedAlertsAsync(host, inbox));
        Assert.Equal("40164", alert.Code);
        Assert.Contains("127.0.0.1 不在公众号的 IP 白名单中（40164）", alert.Reason);

        // Note: WeChat issues a token again (the IP was added); the outbox's pause is over for this test's purpose.
        using (var scope = host.Services.CreateScope())
        {
            var token = await scope.ServiceProvider.GetRequiredService<AccessTokenProvider>().GetAsync(CancellationToken.None);
            Assert.Equal(WeixinOutcome.Ok, token.Outcome);
        }

        Assert.Empty(await ClaimedAlertsAsync(host, inbox));
    }

    private static Task<StandInServer> StartInboxAsync() => StandInServer.StartAsync(app =>
        app.MapPost("/poller/v1/claim", () => Results.Json(new ClaimResponse([], DateTimeOffset.UtcNow))));

    private Task<PushTestHost> StartPollerAsync(StandInServer inbox, GatewayDatabaseFixture database) =>
        PushTestHost.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Poller:InboxBaseUrl"] = inbox.BaseAddress.ToString(),
            ["Poller:PollerId"] = "alerts-test",
            ["Poller:LongPollWait"] = "00:00:00",
            ["PollerSigning:Keys:0"] = "alerts-test-poller-key-0123456789abcdef",
        }, database.Database.ServiceConnectionString);

    /// <summary>One run of the real claim loop (it claims once: nothing comes back); the alerts its claim carried.</summary>
    private static async Task<IReadOnlyList<PollerAlert>> ClaimedAlertsAsync(PushTestHost host, StandInServer inbox)
    {
        var before = inbox.CountOf("/poller/v1/claim");
        // Note: the host keeps Poller:Enabled false so no scheduler claims behind the test's back; this run is the job's own code.
        var settings = host.Services.GetRequiredService<IOptions<PollerOptions>>().Value;
        settings.Enabled = true;
        var job = ActivatorUtilities.CreateInstance<PollInboxJob>(host.Services, new StaticOptionsMonitor<PollerOptions>(settings));
        await job.Execute(null!, CancellationToken.None);
        Assert.Equal(before + 1, inbox.CountOf("/poller/v1/claim"));
        var body = inbox.Requests.Last(r => r.Path == "/poller/v1/claim").Body;
        var request = JsonSerializer.Deserialize<ClaimRequest>(body, JsonSerializerOptions.Web)!;
        Assert.Equal("alerts-test", request.PollerId);
        return request.Alerts ?? throw new Xunit.Sdk.XunitException("the claim carried no alerts field");
    }
}
