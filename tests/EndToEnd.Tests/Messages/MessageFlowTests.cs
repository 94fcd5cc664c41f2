using System.Globalization;
using System.Net;
using System.Text;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Messages;

/// <summary>Messages and events from WeChat through inbox, poller and the app's hook, in every mode.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class MessageFlowTests(MessageFlowFixture fixture) : IClassFixture<MessageFlowFixture>
{
    private LoginSystem System => fixture.System;

    [Theory]
    [InlineData("plain")]
    [InlineData("compat")]
    [InlineData("aes")]
    public async Task Text_InEveryMode_HookReplyArrivesPassively(string mode)
    {
        var openId = await System.AddWeixinUserAsync("发消息的人");
        await System.SendAsUserAsync(openId, "subscribe", mode: mode);

        var delivery = await System.SendAsUserAsync(openId, "text", "客户 张", mode: mode);

        Assert.Equal("passive", delivery.Via);
        Assert.Equal("收到：客户 张", delivery.Reply);
        Assert.Equal(1, delivery.Attempts);
    }

    [Fact]
    public async Task Subscribe_WelcomesWithTheLoginLink()
    {
        var openId = await System.AddWeixinUserAsync("新关注");

        var delivery = await System.SendAsUserAsync(openId, "subscribe", mode: "aes");

        Assert.Equal("passive", delivery.Via);
        Assert.Contains(new Uri(System.Landing.BaseAddress, "/login/weixin").ToString(), delivery.Reply);
        var rows = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT subscribed FROM weixin_users WHERE open_id = @o", ("@o", openId));
        Assert.True(Convert.ToBoolean(rows.Single()["subscribed"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Unsubscribe_MarksTheUserAndSendsNothing()
    {
        var openId = await System.AddWeixinUserAsync("取消关注");
        await System.SendAsUserAsync(openId, "subscribe");

        var delivery = await System.SendAsUserAsync(openId, "unsubscribe");

        Assert.Equal("none", delivery.Via);
        var rows = await System.Database.QueryAsync(System.Database.GatewayDatabase,
            "SELECT subscribed, unsubscribed_at FROM weixin_users WHERE open_id = @o", ("@o", openId));
        Assert.False(Convert.ToBoolean(rows.Single()["subscribed"], CultureInfo.InvariantCulture));
        Assert.NotNull(rows.Single()["unsubscribed_at"]);
    }

    [Fact]
    public async Task MenuClick_AsksTheHookWithTheEventKey()
    {
        var openId = await System.AddWeixinUserAsync("点菜单");
        await System.SendAsUserAsync(openId, "subscribe");

        var delivery = await System.SendAsUserAsync(openId, "click", eventKey: "MY_CUSTOMERS", mode: "compat");

        Assert.Equal("passive", delivery.Via);
        Assert.Equal("点击了菜单：MY_CUSTOMERS", delivery.Reply);
    }

    [Fact]
    public async Task SlowHook_ReplyArrivesOnceByCustomerService()
    {
        var openId = await System.AddWeixinUserAsync("慢回复");
        await System.SendAsUserAsync(openId, "subscribe");

        var delivery = await System.SendAsUserAsync(openId, "text", "慢6000", mode: "aes");

        Assert.Equal("customer_service", delivery.Via);
        Assert.Equal("收到：慢6000", delivery.Reply);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var received = await System.ReceivedByAsync(openId);
        Assert.Single(received, r => r.GetProperty("text").GetString() == "收到：慢6000");
        var item = (await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT wait_state FROM inbox_items WHERE open_id = @o ORDER BY id DESC LIMIT 1", ("@o", openId))).Single();
        Assert.Equal("gone", item["wait_state"]);
    }

    [Fact]
    public async Task BadSignature_Refused_NothingStored()
    {
        var before = await CountItemsAsync();
        using var response = await PostCallbackAsync(Xml("o_forged", "你好"), signatureToken: "wrong-token");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, await CountItemsAsync());
    }

    [Fact]
    public async Task StaleTimestamp_Refused()
    {
        using var response = await PostCallbackAsync(Xml("o_stale", "你好"), timestamp: DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>gh</ToUserName><FromUserName>&xxe;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><xml><Content>&lol3;</Content></xml>")]
    public async Task MalformedOrHostileXml_RefusedWith400_NothingStored(string body)
    {
        var before = await CountItemsAsync();
        using var response = await PostCallbackAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, await CountItemsAsync());
    }

    [Fact]
    public async Task OneMebibyteBody_RefusedWith413()
    {
        var body = "<xml><Content>" + new string('a', 1024 * 1024) + "</Content></xml>";
        using var response = await PostCallbackAsync(body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("wrong_key")]
    [InlineData("bad_padding")]
    [InlineData("wrong_appid")]
    public async Task UndecryptableSafeModeBody_ItemFails_UserGetsSuccess_NothingCrashes(string defect)
    {
        var openId = "o_defect_" + defect;
        var plain = Xml(openId, "你好");
        var encrypt = defect switch
        {
            "wrong_key" => new WeixinMessageCrypto(Convert.ToBase64String(new byte[32]).TrimEnd('='), LoginSystem.AppId).Encrypt(plain),
            "wrong_appid" => new WeixinMessageCrypto(System.AesKey, "wx_someone_else").Encrypt(plain),
            _ => Convert.ToBase64String(Encoding.ASCII.GetBytes(new string('x', 64))),
        };
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        // Note: a nonce of its own per case: the inbox refuses a timestamp and nonce reused with another body.
        var nonce = Random.Shared.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture);
        var msgSignature = WeixinSignature.Compute(System.WeixinToken, timestamp, nonce, encrypt);
        var envelope = $"<xml><ToUserName><![CDATA[gh_sim]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";

        using var response = await PostCallbackAsync(envelope, timestamp: long.Parse(timestamp, CultureInfo.InvariantCulture), nonce: nonce,
            extraQuery: $"&encrypt_type=aes&msg_signature={msgSignature}&openid={openId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("success", await response.Content.ReadAsStringAsync());
        var item = await WaitForItemAsync(openId, "failed");
        // Note: the same constant for every defect: the inbox (possibly an attacker's) must not learn which step
        // failed (no decryption oracle); the defect is in the poller's log.
        Assert.Equal(MessageFailReasons.Unopenable, (string?)item["error"]);
        using var health = await new HttpClient().GetAsync(new Uri(System.Poller.BaseAddress, "/healthz"));
        Assert.True(health.IsSuccessStatusCode);
    }

    [Fact]
    public async Task ServerUrlVerification_EchoesEchostrOnlyWithAValidSignature()
    {
        using var http = new HttpClient { BaseAddress = System.Inbox.BaseAddress };
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var good = WeixinSignature.Compute(System.WeixinToken, ts, "777");

        var ok = await http.GetStringAsync($"/wx/callback?signature={good}&timestamp={ts}&nonce=777&echostr=hello123");
        using var bad = await http.GetAsync($"/wx/callback?signature={good}&timestamp={ts}&nonce=778&echostr=hello123");

        Assert.Equal("hello123", ok);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
    }

    private async Task<Dictionary<string, object?>> WaitForItemAsync(string openId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var rows = await System.Database.QueryAsync(System.Database.InboxDatabase,
                "SELECT status, error FROM inbox_items WHERE open_id = @o ORDER BY id DESC LIMIT 1", ("@o", openId));
            if (rows.Count == 1 && (string?)rows[0]["status"] == status)
            {
                return rows[0];
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No item of {openId} reached {status}.");
    }

    private static string Xml(string openId, string content) =>
        $"<xml><ToUserName><![CDATA[gh_sim]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName><CreateTime>{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{Random.Shared.NextInt64()}</MsgId></xml>";

    private async Task<HttpResponseMessage> PostCallbackAsync(string body, string? signatureToken = null, long? timestamp = null, string? nonce = null, string extraQuery = "")
    {
        // Note: a fresh nonce per request, as WeChat sends: the inbox refuses a timestamp and nonce reused with another body.
        nonce ??= Random.Shared.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture);
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var signature = WeixinSignature.Compute(signatureToken ?? System.WeixinToken, ts, nonce);
        using var http = new HttpClient { BaseAddress = System.Inbox.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return await http.PostAsync($"/wx/callback?signature={signature}&timestamp={ts}&nonce={nonce}{extraQuery}",
            new StringContent(body, Encoding.UTF8, "text/xml"));
    }

    private async Task<long> CountItemsAsync() => Convert.ToInt64(
        (await System.Database.QueryAsync(System.Database.InboxDatabase, "SELECT COUNT(*) AS n FROM inbox_items")).Single()["n"],
        CultureInfo.InvariantCulture);
}
