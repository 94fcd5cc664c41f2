using System.Globalization;
using System.Net;
using System.Text;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Messages;

/// <summary>WeChat's retries and an unreachable database: each message answered once, nothing lost.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class WeixinRetryTests
{
    [Fact]
    public async Task WeixinRetriesOneMessage_HandlerRunsOnce_UserGetsOneReply()
    {
        // Note: WeChat gives up on an attempt after 1 s here (5 s in life), so a 2.5 s hook forces its retries.
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings { WeixinCallbackTimeout = TimeSpan.FromSeconds(1) }, "retries");
        var openId = await system.AddWeixinUserAsync("重试");
        // Note: compatible mode, so the inbox files the subscribe as an event (in pure safe mode it cannot tell and files
        // it as a message) and a retried welcome does not add to the message items counted below.
        await system.SendAsUserAsync(openId, "subscribe", mode: "compat");
        system.Landing.HookCalls.Clear();

        var delivery = await system.SendAsUserAsync(openId, "text", "慢2500", mode: "aes");

        Assert.Equal(3, delivery.Attempts);
        Assert.Contains(delivery.Via, new[] { "passive", "customer_service" });
        Assert.Equal("收到：慢2500", delivery.Reply);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, system.Landing.HookCalls[openId]);
        var received = await system.ReceivedByAsync(openId);
        Assert.Single(received, r => r.GetProperty("text").GetString() == "收到：慢2500");
        var items = await system.Database.QueryAsync(system.Database.InboxDatabase,
            "SELECT COUNT(*) AS n FROM inbox_items WHERE open_id = @o AND kind = 'message'", ("@o", openId));
        Assert.Equal(3L, Convert.ToInt64(items.Single()["n"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task DatabaseUnreachable_InboxAnswers503_SoWeixinRetries()
    {
        var token = "tokdbdown";
        var port = TestEnvironment.FreePort();
        await using var inbox = new ServiceProcess("inbox-nodb", "PublicInbox", port, new Dictionary<string, string>
        {
            ["ConnectionStrings__Inbox"] = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=none;User ID=nobody;Password=x;Connection Timeout=2",
            ["Inbox__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Inbox__AllowedRedirectPrefixes__0"] = "http://127.0.0.1:1/",
            ["Inbox__RetryLoginUrl"] = "http://127.0.0.1:1/login/weixin",
            ["Inbox__WeixinToken"] = token,
            ["PollerSigning__Keys__0"] = new string('k', 40),
        }, "db-down");
        await inbox.StartAsync();
        using var http = new HttpClient { BaseAddress = inbox.BaseAddress };
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = WeixinSignature.Compute(token, ts, "42");
        var xml = $"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>{ts}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>7</MsgId></xml>";

        using var message = await http.PostAsync($"/wx/callback?signature={signature}&timestamp={ts}&nonce=42", new StringContent(xml, Encoding.UTF8, "text/xml"));
        using var oauth = await http.GetAsync("/wx/oauth/callback?code=abc&state=def");
        using var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, message.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, oauth.StatusCode);
        Assert.Contains("服务暂时不可用", await oauth.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
