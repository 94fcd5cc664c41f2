using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Security;

/// <summary>
/// Issue 13 item 6, the whole chain: the poller fetches WeChat's callback IP list (the simulator's
/// <c>cgi-bin/getcallbackip</c>) at start and hands it to the inbox, which stores it for all instances; with
/// <c>Inbox:RestrictCallbacksToWeixinIps=true</c> WeChat's messages (from a listed address) still flow.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CallbackIpListTests
{
    [Fact]
    public async Task ThePollersList_ReachesTheInbox_AndWeixinsMessagesStillFlow()
    {
        await using var system = await LoginSystem.StartAsync(new LoginSystemSettings
        {
            InboxEnvironment = new Dictionary<string, string> { ["Inbox__RestrictCallbacksToWeixinIps"] = "true" },
        }, "callback-ips");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<Dictionary<string, object?>> rows;
        while ((rows = await system.Database.QueryAsync(system.Database.InboxDatabase, "SELECT ip_list, poller_id FROM weixin_callback_ips")).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the poller did not hand WeChat's callback IP list to the inbox within 60 s");
            await Task.Delay(500);
        }

        var openId = await system.AddWeixinUserAsync("白名单内");
        await system.SendAsUserAsync(openId, "subscribe");
        var delivery = await system.SendAsUserAsync(openId, "text", "客户 张");

        Assert.Equal("127.0.0.1", Assert.Single(rows)["ip_list"]);
        Assert.Equal("passive", delivery.Via);
        Assert.Equal("收到：客户 张", delivery.Reply);
    }
}
