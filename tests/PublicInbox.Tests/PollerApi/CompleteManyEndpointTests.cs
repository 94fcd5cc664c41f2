using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.PublicInbox.Tests.PollerApi;

/// <summary>
/// <c>POST /poller/v1/items/complete-many</c> (issue 14) over HTTP on the real PublicInbox process: each item of a batch is
/// answered on its own (a stale lease refuses that item only), WeChat's waiting request gets its reply exactly once, and
/// a repeated batch changes nothing.
/// </summary>
public sealed class CompleteManyEndpointTests(LeaseEndpointTests.Inbox inbox) : IClassFixture<LeaseEndpointTests.Inbox>
{
    private const string WeixinToken = "leasetesttoken";

    [Fact]
    public async Task CompleteMany_OneItemWithAStaleLease_CompletesTheOtherAndAnswersEachSeparately()
    {
        var (fresh, freshCallback) = await StoreAndClaimMessageAsync();
        var (stale, staleCallback) = await StoreAndClaimMessageAsync();
        const string reply = "<xml><Content>回复甲</Content></xml>";

        var answer = await CompleteManyAsync(
            new CompleteManyItem(fresh.Id, fresh.LeaseId, "replied", reply),
            new CompleteManyItem(stale.Id, NewLeaseId(), "replied", "<xml><Content>不该送达</Content></xml>"));

        Assert.Collection(answer.Items,
            a =>
            {
                Assert.Equal((fresh.Id, "done", (bool?)true, (string?)null), (a.Id, a.Status, a.DeliveredPassively, a.Code));
            },
            b =>
            {
                Assert.Equal((stale.Id, "leased", (string?)CompleteManyCodes.LeaseLost), (b.Id, b.Status, b.Code));
                Assert.Null(b.DeliveredPassively);
            });

        // WeChat's request for the fresh item carries its reply; the stale one's is still waiting (nothing was stored for it).
        using (var response = await freshCallback.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(reply, await response.Content.ReadAsStringAsync());
        }

        var staleRow = Assert.Single(await inbox.Database.QueryAsync(
            "SELECT status, reply_body, wait_state FROM inbox_items WHERE id = @id", ("@id", stale.Id)));
        Assert.Equal(("leased", (object?)null), ((string)staleRow["status"]!, staleRow["reply_body"]));
        Assert.Equal(new[] { "received", "claimed" }, await EventTypesAsync(stale.Id));
        Assert.Equal(new[] { "received", "claimed", "completed", "replied_passively" }, await EventTypesAsync(fresh.Id));

        // The stale item's own holder can still complete it; its WeChat request gets that reply, not the other.
        var late = await CompleteManyAsync(new CompleteManyItem(stale.Id, stale.LeaseId, "replied", "<xml><Content>回复乙</Content></xml>"));
        Assert.Null(Assert.Single(late.Items).Code);
        using var staleResponse = await staleCallback.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("<xml><Content>回复乙</Content></xml>", await staleResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CompleteMany_Repeated_ChangesNothingAndAnswersTheSame()
    {
        var (item, callback) = await StoreAndClaimMessageAsync();
        var completion = new CompleteManyItem(item.Id, item.LeaseId, "replied", "<xml><Content>一次</Content></xml>");

        var first = Assert.Single((await CompleteManyAsync(completion)).Items);
        using (var response = await callback.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.Equal("<xml><Content>一次</Content></xml>", await response.Content.ReadAsStringAsync());
        }

        // Note: as when the first answer was lost on the way back and the poller's client retried.
        var again = Assert.Single((await CompleteManyAsync(completion with { ReplyBody = "<xml><Content>两次</Content></xml>" })).Items);

        Assert.Equal((item.Id, "done", (bool?)true, (string?)null), (first.Id, first.Status, first.DeliveredPassively, first.Code));
        Assert.Equal((item.Id, "done", (bool?)true, (string?)null), (again.Id, again.Status, again.DeliveredPassively, again.Code));
        var row = Assert.Single(await inbox.Database.QueryAsync("SELECT reply_body FROM inbox_items WHERE id = @id", ("@id", item.Id)));
        Assert.Equal("<xml><Content>一次</Content></xml>", row["reply_body"]);
        Assert.Equal(new[] { "received", "claimed", "completed", "replied_passively" }, await EventTypesAsync(item.Id));
    }

    [Fact]
    public async Task CompleteMany_ALoginAnUnknownIdARepeatedIdAndAnOversizedReply_AreRefusedEachWithItsCode()
    {
        var login = await inbox.StoreAndClaimAsync();
        var (message, callback) = await StoreAndClaimMessageAsync();

        var answer = await CompleteManyAsync(
            new CompleteManyItem(login.Id, login.LeaseId, "replied", ""),
            new CompleteManyItem(long.MaxValue, NewLeaseId(), "replied", ""),
            new CompleteManyItem(message.Id, message.LeaseId, "replied", new string('x', WeixinXml.MaxCharacters + 1)),
            new CompleteManyItem(message.Id, message.LeaseId, "no_reply", ""));

        Assert.Equal(
            new[] { CompleteManyCodes.NotAMessage, CompleteManyCodes.NotFound, CompleteManyCodes.ReplyTooLarge, null },
            answer.Items.Select(a => a.Code));
        Assert.Equal(new[] { login.Id, long.MaxValue, message.Id, message.Id }, answer.Items.Select(a => a.Id));
        Assert.Equal("leased", Assert.Single(await inbox.Database.QueryAsync("SELECT status FROM inbox_items WHERE id = @id", ("@id", login.Id)))["status"]);

        // Note: the oversized reply was refused; the second entry for the same item (no reply) completed it: "success".
        using var response = await callback.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("success", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CompleteMany_UnsignedOrEmpty_IsRefused()
    {
        using var unsigned = new HttpClient { BaseAddress = inbox.Process.BaseAddress };
        using (var response = await unsigned.PostAsJsonAsync("/poller/v1/items/complete-many",
            new CompleteManyRequest([new CompleteManyItem(1, NewLeaseId())])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var empty = await inbox.Poller.PostAsJsonAsync("/poller/v1/items/complete-many", new CompleteManyRequest([]));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    private async Task<CompleteManyResponse> CompleteManyAsync(params CompleteManyItem[] items)
    {
        using var response = await inbox.Poller.PostAsJsonAsync("/poller/v1/items/complete-many", new CompleteManyRequest(items));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CompleteManyResponse>())!;
    }

    /// <summary>WeChat posts a plaintext text message (its request stays open, waiting for the reply); the poller claims it.</summary>
    private async Task<(ClaimedItem Item, Task<HttpResponseMessage> Callback)> StoreAndClaimMessageAsync()
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var xml = $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o_many]]></FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>{Random.Shared.NextInt64(1, long.MaxValue)}</MsgId></xml>";
        var weixin = new HttpClient { BaseAddress = inbox.Process.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var callback = PostAndDisposeAsync(weixin, $"/wx/callback?signature={WeixinSignature.Compute(WeixinToken, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}&openid=o_many", xml);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await inbox.Poller.PostAsJsonAsync("/poller/v1/claim", new ClaimRequest("poller-many", 100, [InboxItemKinds.Message]));
            response.EnsureSuccessStatusCode();
            var claimed = (await response.Content.ReadFromJsonAsync<ClaimResponse>())!;
            if (claimed.Items.SingleOrDefault(i => i.Message?.Nonce == nonce) is { } item)
            {
                return (item, callback);
            }

            Assert.True(DateTime.UtcNow < deadline, "the message callback was not stored");
            await Task.Delay(50);
        }
    }

    private static async Task<HttpResponseMessage> PostAndDisposeAsync(HttpClient http, string url, string xml)
    {
        using (http)
        {
            return await http.PostAsync(url, new StringContent(xml, Encoding.UTF8, "text/xml"));
        }
    }

    private async Task<string[]> EventTypesAsync(long id) =>
        [.. (await inbox.Database.QueryAsync("SELECT type FROM inbox_item_events WHERE item_id = @id ORDER BY id", ("@id", id))).Select(r => (string)r["type"]!)];

    private static string NewLeaseId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
