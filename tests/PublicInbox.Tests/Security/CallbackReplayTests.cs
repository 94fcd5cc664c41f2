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
    public async Task CapturedSignature_InABurstOfCallbacks_StoresOnlyTheFirstBody_AndItsRetries()
    {
        // Note: the replay check runs in the group commit (issue 14). The captured query's four uses sit in the middle of
        // a burst, so they usually share a batch (the first body the database sees wins there); in batches side by side
        // the later ones wait for the first's row. Both must hold: one body stored, its retry too, every other refused.
        await using var inbox = await AdminInbox.StartAsync("inbox-replay-burst");
        var (timestamp, nonce) = FreshQuery();
        var genuine = Xml("o_alice", "你好", 5001);
        var captured = new[] { genuine, Xml("o_alice", "客户 全部", 5002), genuine, Xml("o_alice", "客户 删除", 5003) };
        var others = Enumerable.Range(0, 30).Select(i => (Query: FreshQuery(), Body: Xml("o_bob", $"在吗 {i}", 6000 + i))).ToList();
        var burst = others.Take(15).Concat(captured.Select(body => (Query: (timestamp, nonce), Body: body))).Concat(others.Skip(15)).ToList();

        var answers = await Task.WhenAll(burst.Select(async c =>
        {
            using var response = await PostAsync(inbox, c.Query.Item1, c.Query.Item2, c.Body.Contains("o_bob", StringComparison.Ordinal) ? "o_bob" : "o_alice", c.Body);
            return (c.Query, c.Body, response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(answers.Where(a => a.Query != (timestamp, nonce)), a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var underCapture = answers.Where(a => a.Query == (timestamp, nonce)).ToList();
        var winner = underCapture.First(a => a.StatusCode == HttpStatusCode.OK).Body;
        Assert.All(underCapture, a =>
        {
            Assert.Equal(a.Body == winner ? HttpStatusCode.OK : HttpStatusCode.Forbidden, a.StatusCode);
            Assert.Equal(a.Body == winner ? "success" : "replayed signature", a.Text);
        });
        var rows = await inbox.QueryAsync("SELECT body FROM inbox_items WHERE wx_nonce = @n", ("n", nonce));
        Assert.Equal(underCapture.Count(a => a.Body == winner), rows.Count);
        Assert.All(rows, r => Assert.Equal(winner, r["body"]));
    }

    [Fact]
    public async Task ACallbackTheDatabaseFailedToStore_StillHasItsSignatureRemembered_SoOnlyWeixinsRetryPasses()
    {
        // Note: the replay check is part of the group commit, which rolls back as a whole; the signatures of a failed
        // batch are remembered on their own before its callers hear 503, so the captured query cannot be used in the
        // seconds before WeChat retries.
        await using var inbox = await AdminInbox.StartAsync("inbox-replay-failed");
        var (timestamp, nonce) = FreshQuery();
        var genuine = Xml("o_alice", "毒丸 7001", 7001);
        await inbox.Database.ExecuteAsync("""
            CREATE TRIGGER replay_test_fail BEFORE INSERT ON inbox_items FOR EACH ROW
            IF NEW.body LIKE '%毒丸 7001%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'test: refused row'; END IF
            """);
        try
        {
            using var failed = await PostAsync(inbox, timestamp, nonce, "o_alice", genuine);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }
        finally
        {
            await inbox.Database.ExecuteAsync("DROP TRIGGER replay_test_fail");
        }

        using var forged = await PostAsync(inbox, timestamp, nonce, "o_alice", Xml("o_alice", "客户 全部", 7002));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using var retry = await PostAsync(inbox, timestamp, nonce, "o_alice", genuine);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
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
