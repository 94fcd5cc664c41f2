using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 1, as an attacker sends it: a captured plaintext callback's query (its signature covers only token,
/// timestamp and nonce) reused with a forged body, and a query naming another sender. Real inbox process, MariaDB.
/// </summary>
public sealed class CallbackReplayTests
{
    [Fact]
    public async Task CapturedSignature_WithAnotherBody_IsRefused_AndNothingIsStored()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-replay");
        var (timestamp, nonce) = FreshQuery();
        var genuine = Xml("o_alice", "你好", 1001);
        var forged = Xml("o_alice", "客户 全部", 1002);

        // Note: the genuine request waits for a reply (no poller here), so it runs alongside.
        var first = PostAsync(inbox, timestamp, nonce, "o_alice", genuine);
        await WaitForItemAsync(inbox, nonce);
        using var replay = await PostAsync(inbox, timestamp, nonce, "o_alice", forged);
        using var firstAnswer = await first;

        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, replay.StatusCode);
        Assert.Equal("replayed signature", await replay.Content.ReadAsStringAsync());
        var rows = await inbox.QueryAsync("SELECT body FROM inbox_items WHERE wx_nonce = @n", ("n", nonce));
        Assert.Equal(genuine, Assert.Single(rows)["body"]);
    }

    [Fact]
    public async Task SameSignature_WithTheSameBody_IsARetry_AndAccepted()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-retry");
        var (timestamp, nonce) = FreshQuery();
        var body = Xml("o_bob", "在吗", 2001);

        // Note: WeChat retries after 5 s with the same message; both are stored, the poller runs the handlers once (MsgId).
        var first = PostAsync(inbox, timestamp, nonce, "o_bob", body);
        await WaitForItemAsync(inbox, nonce);
        using var retry = await PostAsync(inbox, timestamp, nonce, "o_bob", body);
        using var firstAnswer = await first;

        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(2, (await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce))).Count);
    }

    [Fact]
    public async Task QueryOpenId_NotTheSender_IsRefused_AndNothingIsStored()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-openid");
        var (timestamp, nonce) = FreshQuery();

        using var response = await PostAsync(inbox, timestamp, nonce, "o_victim", Xml("o_attacker", "你好", 3001));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("openid mismatch", await response.Content.ReadAsStringAsync());
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce)));
    }

    [Fact]
    public async Task RememberedSignatures_AreForgotten_OnceTheirTimestampIsTooOldToPass()
    {
        // Note: a 10 s skew makes the purge job run every 10 s and forget rows seen more than 20 s ago.
        await using var inbox = await AdminInbox.StartAsync("inbox-forget", new Dictionary<string, string?> { ["Inbox__MaxTimestampSkew"] = "00:00:10" });
        await inbox.QueryAsync(
            "INSERT INTO callback_signatures (timestamp, nonce, body_sha256, seen_at) VALUES ('1', 'old', @h, UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE), ('2', 'new', @h, UTC_TIMESTAMP(6) + INTERVAL 1 HOUR)",
            ("h", new byte[32]));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (await inbox.QueryAsync("SELECT nonce FROM callback_signatures WHERE nonce = 'old'")).Count > 0)
        {
            await Task.Delay(500);
        }

        var left = await inbox.QueryAsync("SELECT nonce FROM callback_signatures ORDER BY nonce");
        Assert.Equal(["new"], left.Select(r => (string)r["nonce"]!));
    }

    private static (string Timestamp, string Nonce) FreshQuery() =>
        (DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));

    private static string Xml(string from, string content, long msgId) =>
        $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId}</MsgId></xml>";

    private static async Task<HttpResponseMessage> PostAsync(AdminInbox inbox, string timestamp, string nonce, string openId, string xml)
    {
        using var http = new HttpClient { BaseAddress = inbox.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var signature = WeixinSignature.Compute(AdminInbox.WeixinToken, timestamp, nonce);
        return await http.PostAsync($"/wx/callback?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid={openId}", new StringContent(xml, Encoding.UTF8, "text/xml"));
    }

    private static async Task WaitForItemAsync(AdminInbox inbox, string nonce)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce))).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first callback was not stored");
            await Task.Delay(100);
        }
    }
}
