using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>
/// The WeChat conditions a poller reports with its claims (48001, 40164): stored on its row by the real inbox process,
/// shown in red on 「概览」 to a signed-in admin, cleared by a claim without them, refused when oversize or malformed.
/// </summary>
public class PollerAlertsTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    private const string TemplateReason = "公众号未获得该接口权限（48001）：模板消息需要已认证的服务号。请在公众平台确认账号类型与认证状态。";

    private AdminInbox Inbox => fixture.Inbox;

    private static string Unique(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    [Fact]
    public async Task ClaimWithAlerts_StoresThem_AndTheOverviewShowsThemInRed_UntilAClaimWithout()
    {
        var poller = Unique("poller-");
        var since = new DateTimeOffset(2026, 12, 1, 16, 5, 0, TimeSpan.Zero); // 00:05 on 2 December in Beijing
        var alerts = new List<PollerAlert>
        {
            new("48001 cgi-bin/message/template/send", TemplateReason, since, since.AddMinutes(30)),
            // Note: text from the LAN is plain text: markup in it must come out encoded, never as HTML.
            new("40164", "服务器出口 IP 10.0.0.9 不在公众号的 IP 白名单中（40164）<b>x</b>", since.AddMinutes(1), since.AddMinutes(2)),
        };

        using (var response = await ClaimAsync(new ClaimRequest(poller, 10, [InboxItemKinds.Event], Alerts: alerts)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var stored = Assert.Single(await Inbox.QueryAsync("SELECT alerts FROM pollers WHERE poller_id = @p", ("@p", poller)));
        Assert.Contains("cgi-bin/message/template/send", (string)stored["alerts"]!);

        using var admin = await Inbox.SignedInAsync();
        var html = await admin.GetPageAsync("/admin");
        Assert.Contains($"<p class=\"alert\" role=\"alert\" data-alert=\"48001 cgi-bin/message/template/send\">内网报告（{poller}）：{TemplateReason}（首次 北京时间 2026-12-02 00:05:00，最近 2026-12-02 00:35:00）</p>", html);
        Assert.Contains("（40164）&lt;b&gt;x&lt;/b&gt;（首次 北京时间 2026-12-02 00:06:00", html);
        Assert.DoesNotContain("<b>x</b>", html);

        // Note: the poller sends an empty list once WeChat accepted the API again; the red lines go.
        using (var response = await ClaimAsync(new ClaimRequest(poller, 10, [InboxItemKinds.Event], Alerts: [])))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Null(Assert.Single(await Inbox.QueryAsync("SELECT alerts FROM pollers WHERE poller_id = @p", ("@p", poller)))["alerts"]);
        html = await admin.GetPageAsync("/admin");
        Assert.DoesNotContain($"内网报告（{poller}）", html);
    }

    [Fact]
    public async Task ClaimWithoutTheField_AsAnOlderPollerSends_IsAccepted()
    {
        var poller = Unique("old-");
        using var response = await Inbox.Poller.PostAsync("/poller/v1/claim",
            new StringContent($$"""{"pollerId":"{{poller}}","maxItems":10,"kinds":["event"]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Assert.Single(await Inbox.QueryAsync("SELECT alerts FROM pollers WHERE poller_id = @p", ("@p", poller)))["alerts"]);
    }

    [Fact]
    public async Task OversizeOrMalformedAlerts_AreRefusedWith400_AndNothingIsStored()
    {
        var poller = Unique("bad-");
        var now = DateTimeOffset.UtcNow;
        var eleven = Enumerable.Range(0, PollerAlert.MaxCount + 1).Select(i => new PollerAlert($"48001 api{i}", "原因", now, now)).ToList();
        var refused = new[]
        {
            new ClaimRequest(poller, 10, Alerts: eleven),
            new ClaimRequest(poller, 10, Alerts: [new PollerAlert("40164", new string('长', PollerAlert.MaxReasonLength + 1), now, now)]),
            new ClaimRequest(poller, 10, Alerts: [new PollerAlert(new string('c', PollerAlert.MaxCodeLength + 1), "原因", now, now)]),
            new ClaimRequest(poller, 10, Alerts: [new PollerAlert("40164", "", now, now)]),
            new ClaimRequest(poller, 10, Alerts: [new PollerAlert("40164", "原因", now, now.AddMinutes(-1))]),
        };
        foreach (var request in refused)
        {
            using var response = await ClaimAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        foreach (var body in new[]
        {
            $$"""{"pollerId":"{{poller}}","alerts":[null]}""",
            $$$"""{"pollerId":"{{{poller}}}","alerts":{"code":"40164"}}""",
            $$"""{"pollerId":"{{poller}}","alerts":[{"code":"40164","reason":"原因","since":"yesterday","lastSeen":"today"}]}""",
        })
        {
            using var response = await Inbox.Poller.PostAsync("/poller/v1/claim", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Empty(await Inbox.QueryAsync("SELECT alerts FROM pollers WHERE poller_id = @p", ("@p", poller)));
    }

    private Task<HttpResponseMessage> ClaimAsync(ClaimRequest request) => Inbox.Poller.PostAsJsonAsync("/poller/v1/claim", request);
}
