using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Security;

/// <summary>One system as deployed: the poller holds the EncodingAESKey and leaves Weixin:RequireSafeMode unset.</summary>
public sealed class SafeModeFixture : IAsyncLifetime
{
    public LoginSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await LoginSystem.StartAsync(new LoginSystemSettings(), "safemode");

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>
/// Issue 13 items 1–3 as an attacker who holds the public inbox (and so the callback Token) sends them: plaintext in a
/// follower's name (downgrade), a captured ciphertext filed under another openid, and broken ciphertexts probing for
/// a decryption oracle. Simulator, inbox, poller and the app's hook as real processes.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SafeModeTests(SafeModeFixture fixture) : IClassFixture<SafeModeFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task ForgedPlaintext_InAFollowersName_IsRefusedByThePoller_NoHookCall_NoCrmDataInTheAnswer()
    {
        var openId = await System.AddWeixinUserAsync("被冒充的人");
        await System.SendAsUserAsync(openId, "subscribe");
        Assert.Equal("收到：客户 张", (await System.SendAsUserAsync(openId, "text", "客户 张")).Reply); // the genuine user, in safe mode
        var hookCalls = System.Landing.HookCalls.GetValueOrDefault(openId);
        var refusedBefore = await RefusedAsync("plaintext");

        // The inbox's host knows the Token, so its plaintext `signature` is valid; only the body is forged.
        using var response = await PostAsync(Plaintext(openId, "客户 张"), openId);

        var answer = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("success", answer);
        var item = await WaitForFailedAsync(openId);
        Assert.Equal(MessageFailReasons.PlaintextRefused, item.Error);
        Assert.Equal(MessageFailReasons.PlaintextRefused, await FailedEventDetailAsync(item.Id)); // what the admin timeline shows
        Assert.Equal(hookCalls, System.Landing.HookCalls.GetValueOrDefault(openId));
        Assert.True(await RefusedAsync("plaintext") >= refusedBefore + 1, "poller_message_items_refused_total{reason=\"plaintext\"} did not count it");
    }

    [Fact]
    public async Task CiphertextFiledUnderAnotherOpenId_IsRefusedByThePoller_NoHookCall()
    {
        var sender = await System.AddWeixinUserAsync("真正的发送者");
        var victim = await System.AddWeixinUserAsync("被冒名的人");
        var sent = (sender: System.Landing.HookCalls.GetValueOrDefault(sender), victim: System.Landing.HookCalls.GetValueOrDefault(victim));

        // Note: in pure safe mode the inbox cannot see FromUserName; only the poller, after decryption, can compare.
        using var response = await PostAsync(Envelope(new WeixinMessageCrypto(System.AesKey, LoginSystem.AppId).Encrypt(Plaintext(sender, "客户 张"))), victim);

        Assert.Equal("success", await response.Content.ReadAsStringAsync());
        Assert.Equal(MessageFailReasons.Unopenable, (await WaitForFailedAsync(victim)).Error);
        Assert.Equal(sent, (System.Landing.HookCalls.GetValueOrDefault(sender), System.Landing.HookCalls.GetValueOrDefault(victim)));
    }

    [Fact]
    public async Task BrokenCiphertexts_TheInboxStoresOneAndTheSameReasonForEveryDefect()
    {
        var key = System.AesKey;
        var defects = new Dictionary<string, Func<string, string>>
        {
            ["wrong key"] = xml => new WeixinMessageCrypto(Convert.ToBase64String(new byte[32]).TrimEnd('='), LoginSystem.AppId).Encrypt(xml),
            ["wrong appid"] = xml => new WeixinMessageCrypto(key, "wx_someone_else").Encrypt(xml),
            ["bad padding"] = _ => Convert.ToBase64String(Encoding.ASCII.GetBytes(new string('x', 64))),
            ["bad length"] = _ => Convert.ToBase64String(new byte[40]),
            ["not xml inside"] = _ => new WeixinMessageCrypto(key, LoginSystem.AppId).Encrypt("<xml><FromUserName>"),
        };

        var stored = new Dictionary<string, string?>();
        foreach (var (defect, encrypt) in defects)
        {
            var openId = "o_probe_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            using var response = await PostAsync(Envelope(encrypt(Plaintext(openId, "你好"))), openId);
            Assert.Equal("success", await response.Content.ReadAsStringAsync());
            stored[defect] = (await WaitForFailedAsync(openId)).Error;
        }

        // Note: one constant: the inbox (maybe the attacker's) learns nothing about which step failed.
        Assert.All(stored.Values, e => Assert.Equal(MessageFailReasons.Unopenable, e));
        Assert.Single(stored.Values.Distinct());
    }

    private static string Plaintext(string from, string content) =>
        $"<xml><ToUserName><![CDATA[gh_sim]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{Random.Shared.NextInt64(1, long.MaxValue)}</MsgId></xml>";

    private static string Envelope(string encrypt) => $"<xml><ToUserName><![CDATA[gh_sim]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";

    /// <summary>Posts as the inbox's host can: valid `signature` (it holds the Token), and msg_signature for an envelope.</summary>
    private async Task<HttpResponseMessage> PostAsync(string body, string openId)
    {
        var nonce = Random.Shared.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var query = $"/wx/callback?signature={WeixinSignature.Compute(System.WeixinToken, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid={openId}";
        var fields = WeixinXml.ReadFields(body);
        if (fields.TryGetValue("Encrypt", out var encrypt))
        {
            query += $"&encrypt_type=aes&msg_signature={WeixinSignature.Compute(System.WeixinToken, ts, nonce, encrypt)}";
        }

        using var http = new HttpClient { BaseAddress = System.Inbox.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return await http.PostAsync(query, new StringContent(body, Encoding.UTF8, "text/xml"));
    }

    private async Task<(long Id, string? Error)> WaitForFailedAsync(string openId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var rows = await System.Database.QueryAsync(System.Database.InboxDatabase,
                "SELECT id, status, error FROM inbox_items WHERE open_id = @o ORDER BY id DESC LIMIT 1", ("@o", openId));
            if (rows.Count == 1 && (string?)rows[0]["status"] == "failed")
            {
                return (Convert.ToInt64(rows[0]["id"], CultureInfo.InvariantCulture), (string?)rows[0]["error"]);
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No item of {openId} failed.");
    }

    private async Task<string?> FailedEventDetailAsync(long itemId) =>
        (string?)(await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT detail FROM inbox_item_events WHERE item_id = @i AND type = 'failed'", ("@i", itemId))).Single()["detail"];

    /// <summary>The poller's <c>poller_message_items_refused_total</c> for <paramref name="reason"/> (0 before the first).</summary>
    private async Task<double> RefusedAsync(string reason)
    {
        using var http = new HttpClient { BaseAddress = System.Poller.BaseAddress };
        var prefix = $"poller_message_items_refused_total{{reason=\"{reason}\"}} ";
        var line = (await http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }
}
