using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 2 at the door: with <c>Inbox:RequireSafeMode</c> a plaintext callback (vouched for only by a
/// `signature` that does not cover the body) is refused and never stored; safe and compatible mode pass. Real inbox
/// process, MariaDB.
/// </summary>
public sealed class SafeModeDoorTests
{
    private static readonly Dictionary<string, string?> RequireSafeMode = new() { ["Inbox__RequireSafeMode"] = "true" };

    [Fact]
    public async Task Plaintext_WithAValidSignature_IsRefusedWith403_AndNothingIsStored()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-safemode-plain", RequireSafeMode);
        var nonce = NewNonce();

        using var response = await PostAsync(inbox, nonce, Xml("o_victim", "客户 全部"), "o_victim", encryptType: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("safe mode required", await response.Content.ReadAsStringAsync());
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce)));
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("AES")]
    public async Task OtherEncryptTypes_AreRefusedToo(string encryptType)
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-safemode-other", RequireSafeMode);
        var nonce = NewNonce();

        using var response = await PostAsync(inbox, nonce, Xml("o_victim", "客户 全部"), "o_victim", encryptType);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SafeAndCompatibleMode_AreStored(bool compatible)
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-safemode-aes", RequireSafeMode);
        var nonce = NewNonce();
        // Note: the inbox cannot decrypt (no key); any ciphertext with a valid msg_signature is what it checks.
        var encrypt = Convert.ToBase64String(RandomNumberGenerator.GetBytes(96));
        var body = compatible
            ? Xml("o_alice", "你好").Replace("</xml>", $"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", StringComparison.Ordinal)
            : $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";

        // Note: no poller here, so the request waits for a reply; the row is what this test is after.
        var posted = PostAsync(inbox, nonce, body, "o_alice", "aes", encrypt);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce))).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the safe-mode callback was not stored");
            await Task.Delay(100);
        }

        using var response = await posted;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static string Xml(string from, string content) =>
        $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{Random.Shared.NextInt64(1, long.MaxValue)}</MsgId></xml>";

    private static async Task<HttpResponseMessage> PostAsync(AdminInbox inbox, string nonce, string xml, string openId, string? encryptType, string? encrypt = null)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var query = $"/wx/callback?signature={WeixinSignature.Compute(AdminInbox.WeixinToken, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}&openid={openId}";
        if (encryptType is not null)
        {
            query += "&encrypt_type=" + encryptType;
        }

        if (encrypt is not null)
        {
            query += "&msg_signature=" + WeixinSignature.Compute(AdminInbox.WeixinToken, timestamp, nonce, encrypt);
        }

        using var http = new HttpClient { BaseAddress = inbox.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return await http.PostAsync(query, new StringContent(xml, Encoding.UTF8, "text/xml"));
    }
}
