using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Diagnostics;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Tests.Messages;
using Weixin.Inbox.IntranetPoller.Weixin;
using static Weixin.Inbox.IntranetPoller.Tests.Messages.WeixinCallbacks;

namespace Weixin.Inbox.IntranetPoller.Tests.Security;

/// <summary>
/// Issue 13 items 1–3 on the poller, with items as a malicious inbox could hand them over: plaintext in a follower's
/// name while the poller holds the EncodingAESKey (downgrade), a query openid that is not the decrypted sender, and
/// ciphertexts broken in every way (the inbox must learn one constant reason: no decryption oracle). The message
/// pipeline runs against the real gateway database and a CRM hook stand-in that records every call.
/// </summary>
public sealed class SafeModeRequirementTests(GatewayDatabaseFixture fixture) : IClassFixture<GatewayDatabaseFixture>
{
    /// <summary>The poller's settings as deployed: EncodingAESKey set, Weixin:RequireSafeMode not set.</summary>
    private static readonly Dictionary<string, string?> Deployed = new() { ["Weixin:RequireSafeMode"] = null };

    [Fact]
    public async Task ForgedPlaintextInAFollowersName_KeySet_IsRefused_TheCrmIsNeverAsked_AndItIsCounted()
    {
        var asked = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("找到 2 位客户：张三、张伟"), asked);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress, Deployed);
        var before = PollerMetrics.MessageItemsRefused.WithLabels("plaintext").Value;

        var decision = await HandleAsync(host, Plain(Text(NewOpenId(), "客户 张", NewMsgId())));

        var fail = Assert.IsType<ItemDecision.Fail>(decision);
        Assert.Equal(MessageFailReasons.PlaintextRefused, fail.Error);
        Assert.Empty(asked);
        Assert.True(PollerMetrics.MessageItemsRefused.WithLabels("plaintext").Value >= before + 1);
    }

    [Fact]
    public async Task PlaintextEvent_KeySet_IsRefusedToo()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null, Deployed);

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, Plain(Event(NewOpenId(), "subscribe"))));

        Assert.Equal(MessageFailReasons.PlaintextRefused, fail.Error);
    }

    [Fact]
    public async Task CompatibleMode_KeySet_IsOpenedFromItsCiphertext()
    {
        var asked = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("好的"), asked);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress, Deployed);
        var openId = NewOpenId();

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(Text(openId, "帮助", NewMsgId()), compatible: true)));

        Assert.Equal(MessageItemHandler.RepliedOutcome, reply.Outcome);
        Assert.Equal(openId, Assert.Single(asked).OpenId);
    }

    [Fact]
    public async Task RequireSafeModeFalse_OnPurpose_PlaintextIsServed()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null, new Dictionary<string, string?> { ["Weixin:RequireSafeMode"] = "false" });

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Text(NewOpenId(), "你好", NewMsgId()))));

        Assert.Equal(MessageItemHandler.RepliedOutcome, reply.Outcome);
    }

    [Fact]
    public async Task NoKey_PlaintextIsServed_ByDefault()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null,
            new Dictionary<string, string?> { ["Weixin:RequireSafeMode"] = null, ["Weixin:EncodingAESKey"] = "" });

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Text(NewOpenId(), "你好", NewMsgId()))));

        Assert.Equal(MessageItemHandler.RepliedOutcome, reply.Outcome);
    }

    [Fact]
    public async Task RequireSafeModeTrue_WithoutKey_StopsTheStartNamingIt()
    {
        var error = await OptionsHost.StartupErrorAsync(builder =>
        {
            builder.Services.AddSingleton(TimeProvider.System);
            builder.AddWeixinApi();
        }, new Dictionary<string, string?>
        {
            ["Weixin:AppId"] = "wx_options_test",
            ["Weixin:AppSecret"] = "options_test_secret",
            ["Weixin:RequireSafeMode"] = "true",
        });

        Assert.Contains("Weixin:RequireSafeMode", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SafeMode_QueryOpenIdIsNotTheDecryptedSender_IsRefused_TheCrmIsNeverAsked()
    {
        var asked = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("找到 2 位客户：张三、张伟"), asked);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress, Deployed);
        var genuine = Safe(Text("o_attacker_" + NewMsgId(), "客户 张", NewMsgId()));
        var item = genuine with { Message = genuine.Message! with { OpenId = "o_victim_" + NewMsgId() } };
        var before = PollerMetrics.MessageItemsRefused.WithLabels("sender_mismatch").Value;

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, item));

        Assert.Equal(MessageFailReasons.Unopenable, fail.Error);
        Assert.Contains("openid", fail.Detail, StringComparison.Ordinal);
        Assert.Empty(asked);
        Assert.True(PollerMetrics.MessageItemsRefused.WithLabels("sender_mismatch").Value >= before + 1);
    }

    [Fact]
    public async Task SafeMode_QueryOpenIdIsTheSender_IsServed()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null, Deployed);
        var openId = NewOpenId();
        var genuine = Safe(Text(openId, "你好", NewMsgId()));

        var reply = await HandleAsync(host, genuine with { Message = genuine.Message! with { OpenId = openId } });

        Assert.Equal(MessageItemHandler.RepliedOutcome, Assert.IsType<ItemDecision.Reply>(reply).Outcome);
    }

    [Fact]
    public async Task EveryDefect_TellsTheInboxTheSameReason_AndOnlyTheLogTheDefect()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null, Deployed);
        var openId = NewOpenId();
        var text = Text(openId, "你好", NewMsgId());
        var items = new Dictionary<string, ClaimedItem>
        {
            ["wrong key"] = Safe(text, key: "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"),
            ["wrong appid"] = Safe(text, appId: "wx_someone_else"),
            ["bad msg_signature"] = Safe(text, token: "SomeOtherToken"),
            ["not xml inside"] = Safe("this is not xml"),
            ["bad padding"] = Signed(Convert.ToBase64String(Encoding.ASCII.GetBytes(new string('x', 64)))),
            ["bad length"] = Signed(Convert.ToBase64String(new byte[40])),
            ["sender mismatch"] = WithOpenId(Safe(text), "o_someone_else"),
            ["unknown encrypt_type"] = Item(new MessageCallback(text, "1", "2", "sm4", null, null)),
        };

        var fails = new Dictionary<string, ItemDecision.Fail>();
        foreach (var (defect, item) in items)
        {
            fails[defect] = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, item));
        }

        Assert.All(fails.Values, f => Assert.Equal(MessageFailReasons.Unopenable, f.Error));
        // Note: the poller's log (the Detail) still tells the operator what went wrong.
        Assert.All(fails.Values, f => Assert.False(string.IsNullOrEmpty(f.Detail)));
        Assert.All(fails.Values, f => Assert.DoesNotContain(MessagesTestHost.EncodingAesKey, f.Detail!, StringComparison.Ordinal));
        Assert.Contains("msg_signature", fails["bad msg_signature"].Detail, StringComparison.Ordinal);
        Assert.Contains("appid", fails["wrong appid"].Detail, StringComparison.Ordinal);
        Assert.Contains("openid", fails["sender mismatch"].Detail, StringComparison.Ordinal);
    }

    private static ClaimedItem WithOpenId(ClaimedItem item, string openId) => item with { Message = item.Message! with { OpenId = openId } };

    /// <summary>An envelope around <paramref name="encrypt"/> with a correct msg_signature, so decryption is reached.</summary>
    private static ClaimedItem Signed(string encrypt)
    {
        var timestamp = Now().ToString(CultureInfo.InvariantCulture);
        const string nonce = "424242";
        var signature = WeixinSignature.Compute(MessagesTestHost.Token, timestamp, nonce, encrypt);
        var body = $"<xml><ToUserName><![CDATA[{MessagesTestHost.AccountId}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        return Item(new MessageCallback(body, timestamp, nonce, "aes", signature, null));
    }

    private static async Task<ItemDecision> HandleAsync(MessagesTestHost host, ClaimedItem item)
    {
        await using var scope = host.Scope();
        return await scope.ServiceProvider.GetRequiredService<MessageItemHandler>().HandleAsync(item, CancellationToken.None);
    }
}
