using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Inbox;
using static Weixin.Inbox.IntranetPoller.Tests.Messages.WeixinCallbacks;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>
/// The message pipeline against the real gateway database (DML-only user) and a CRM hook that checks signatures;
/// the inbox's part (claim, complete) is played by the test.
/// </summary>
public class MessageItemHandlerTests(GatewayDatabaseFixture fixture) : IClassFixture<GatewayDatabaseFixture>
{
    private const string DefaultReply = "暂不支持该消息，回复「帮助」查看可用指令。";
    private const string BusyReply = "系统繁忙，请稍后再试。";

    [Fact]
    public async Task HandleAsync_TextInPlaintextMode_RepliesWithTheCrmHookAnswer()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("找到 2 位客户：张三、张伟"), received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);
        var openId = NewOpenId();
        var msgId = NewMsgId();
        var item = Plain(Text(openId, "客户 张", msgId));

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, item));

        Assert.Equal(MessageItemHandler.RepliedOutcome, reply.Outcome);
        var fields = WeixinXml.ReadFields(reply.Body);
        Assert.Equal(openId, fields["ToUserName"]);
        Assert.Equal(MessagesTestHost.AccountId, fields["FromUserName"]);
        Assert.Equal("text", fields["MsgType"]);
        Assert.Equal("找到 2 位客户：张三、张伟", fields["Content"]);

        var asked = Assert.Single(received);
        Assert.Equal(new MessageHookRequest(openId, "text", "客户 张", null, null, asked.CreateTime, msgId.ToString(System.Globalization.CultureInfo.InvariantCulture)), asked);

        var row = await RowAsync("msg:" + msgId);
        Assert.Equal(reply.DedupKey, row.DedupKey);
        Assert.Equal(WeixinMessageStatuses.Replied, row.Status);
        Assert.Equal(item.Id, row.ItemId);
        Assert.Equal(item.Id, row.DeliveryItemId);
        Assert.Null(row.DeliveredVia);
        Assert.Equal(item.CorrelationId, row.CorrelationId);
    }

    [Fact]
    public async Task HandleAsync_MenuClickInSafeMode_RepliesEncrypted()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("我的客户：3 位"), received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);
        var openId = NewOpenId();

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(Event(openId, "CLICK", "MENU_MY_CUSTOMERS"))));

        Assert.DoesNotContain("我的客户", reply.Body, StringComparison.Ordinal);
        var fields = WeixinXml.ReadFields(OpenSafeReply(reply.Body));
        Assert.Equal("我的客户：3 位", fields["Content"]);
        Assert.Equal(openId, fields["ToUserName"]);
        var asked = Assert.Single(received);
        Assert.Equal(("event", "CLICK", "MENU_MY_CUSTOMERS", (string?)null), (asked.MsgType, asked.Event, asked.EventKey, asked.MsgId));
    }

    [Fact]
    public async Task HandleAsync_CompatibleMode_ReadsTheEncryptedCopyAndRepliesEncrypted()
    {
        await using var crm = await CrmHookStandIn.StartAsync(r => Task.FromResult<IResult>(TypedResults.Ok(new MessageHookResponse("你说：" + r.Content))));
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(Text(NewOpenId(), "帮助", NewMsgId()), compatible: true)));

        Assert.Equal("你说：帮助", WeixinXml.ReadFields(OpenSafeReply(reply.Body))["Content"]);
    }

    [Fact]
    public async Task HandleAsync_Subscribe_WelcomesWithTheLoginLinkAndMarksTheUserFollowing()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);
        var openId = NewOpenId();
        var at = Now() - 5;

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(Event(openId, "subscribe", createTime: at))));

        var content = WeixinXml.ReadFields(OpenSafeReply(reply.Body))["Content"];
        Assert.Contains(MessagesTestHost.LoginUrl, content, StringComparison.Ordinal);
        Assert.StartsWith("欢迎关注", content, StringComparison.Ordinal);
        var user = await UserAsync(openId);
        Assert.True(user.Subscribed);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(at), user.SubscribedAt);
        Assert.Equal("", user.Nickname);
        Assert.Equal(0, user.LoginCount);
    }

    [Fact]
    public async Task HandleAsync_SubscriptionEventsOutOfOrder_TheLatestEventStands()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);
        var openId = NewOpenId();
        var t = Now() - 100;

        await HandleAsync(host, Plain(Event(openId, "subscribe", createTime: t)));
        var late = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Event(openId, "unsubscribe", createTime: t - 50))));
        Assert.Equal((MessageItemHandler.NoReplyOutcome, "", (string?)null), (late.Outcome, late.Body, late.DedupKey));
        Assert.True((await UserAsync(openId)).Subscribed);

        await HandleAsync(host, Plain(Event(openId, "unsubscribe", createTime: t + 10)));
        var user = await UserAsync(openId);
        Assert.False(user.Subscribed);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(t + 10), user.UnsubscribedAt);

        await HandleAsync(host, Plain(Event(openId, "subscribe", createTime: t + 5)));
        Assert.False((await UserAsync(openId)).Subscribed);
    }

    [Fact]
    public async Task HandleAsync_WeixinRetryOfAMessage_RunsTheHandlersOnceAndOnlyOneItemCarriesTheReply()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("好的"), received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);
        var xml = Text(NewOpenId(), "客户 李", NewMsgId());

        var first = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(xml)));
        var retry = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(xml)));

        Assert.Equal(MessageItemHandler.RepliedOutcome, first.Outcome);
        Assert.Equal((MessageItemHandler.DuplicateOutcome, "", (string?)null), (retry.Outcome, retry.Body, retry.DedupKey));
        Assert.Single(received);
    }

    [Fact]
    public async Task HandleAsync_SameItemDeliveredAgain_RepeatsTheSameReplyWithoutAskingAgain()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("第一次的回答"), received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);
        var item = Safe(Text(NewOpenId(), "帮助", NewMsgId()));

        var first = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, item));
        var again = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, item with { LeaseId = "lease-2", Attempts = 2 }));

        Assert.Equal(MessageItemHandler.RepliedOutcome, again.Outcome);
        Assert.Equal(WeixinXml.ReadFields(OpenSafeReply(first.Body))["Content"], WeixinXml.ReadFields(OpenSafeReply(again.Body))["Content"]);
        Assert.Single(received);
    }

    [Fact]
    public async Task HandleAsync_RetryWhileTheFirstStillWaitsForTheHook_AnswersEmptyAfterTheWait()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(async _ =>
        {
            await Task.Delay(2000);
            return TypedResults.Ok(new MessageHookResponse("慢的回答"));
        }, received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress,
            new Dictionary<string, string?> { ["Messages:HookTimeout"] = "00:00:05", ["Messages:DuplicateWait"] = "00:00:00.500" });
        var xml = Text(NewOpenId(), "客户 王", NewMsgId());

        var firstTask = HandleAsync(host, Plain(xml));
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        var retry = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(xml)));
        clock.Stop();
        var first = Assert.IsType<ItemDecision.Reply>(await firstTask);

        Assert.Equal((MessageItemHandler.DuplicateOutcome, ""), (retry.Outcome, retry.Body));
        Assert.InRange(clock.ElapsedMilliseconds, 400, 1500);
        Assert.Equal("慢的回答", WeixinXml.ReadFields(first.Body)["Content"]);
        Assert.Single(received);
    }

    [Fact]
    public async Task HandleAsync_TwoItemsOfOneMessageAtOnce_ExactlyOneCarriesTheReply()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(async _ =>
        {
            await Task.Delay(300);
            return TypedResults.Ok(new MessageHookResponse("一次"));
        }, received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);
        var xml = Text(NewOpenId(), "客户 赵", NewMsgId());

        var decisions = await Task.WhenAll(HandleAsync(host, Plain(xml)), HandleAsync(host, Plain(xml)), HandleAsync(host, Plain(xml)));

        var replies = decisions.Cast<ItemDecision.Reply>().ToList();
        Assert.Single(replies, r => r.Body.Length > 0);
        Assert.Equal(2, replies.Count(r => r is { Body: "", Outcome: MessageItemHandler.DuplicateOutcome }));
        Assert.Single(received);
    }

    [Fact]
    public async Task HandleAsync_HookAnswersHttp500_AnswersBusy()
    {
        await using var crm = await CrmHookStandIn.StartAsync(_ => Task.FromResult<IResult>(TypedResults.StatusCode(500)));
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Text(NewOpenId(), "客户 张", NewMsgId()))));

        Assert.Equal(BusyReply, WeixinXml.ReadFields(reply.Body)["Content"]);
    }

    [Fact]
    public async Task HandleAsync_HookSlowerThanHookTimeout_AnswersBusyInTime()
    {
        await using var crm = await CrmHookStandIn.StartAsync(async _ =>
        {
            await Task.Delay(5000);
            return TypedResults.Ok(new MessageHookResponse("太晚了"));
        });
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress,
            new Dictionary<string, string?> { ["Messages:HookTimeout"] = "00:00:01" });
        var clock = Stopwatch.StartNew();

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Text(NewOpenId(), "客户 张", NewMsgId()))));

        Assert.Equal(BusyReply, WeixinXml.ReadFields(reply.Body)["Content"]);
        Assert.InRange(clock.ElapsedMilliseconds, 900, 3000);
    }

    [Fact]
    public async Task HandleAsync_HookSignedWithAnotherKey_IsRefusedByTheCrmAndAnswersBusy()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("不应出现"), received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress,
            new Dictionary<string, string?> { ["CrmHook:SigningKeys:0"] = "another-hook-key-0123456789abcdef0123" });

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Text(NewOpenId(), "客户 张", NewMsgId()))));

        Assert.Equal(BusyReply, WeixinXml.ReadFields(reply.Body)["Content"]);
        Assert.Empty(received);
        Assert.Single(crm.Requests);
    }

    [Fact]
    public async Task HandleAsync_HookAnswersNothing_NoReply()
    {
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply(null));
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);
        var msgId = NewMsgId();

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Safe(Text(NewOpenId(), "嗯", msgId))));

        Assert.Equal((MessageItemHandler.NoReplyOutcome, "", (string?)null), (reply.Outcome, reply.Body, reply.DedupKey));
        Assert.Null((await RowAsync("msg:" + msgId)).ReplyXml);
    }

    [Fact]
    public async Task HandleAsync_NoCrmHookConfigured_TextGetsTheDefaultReply()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Text(NewOpenId(), "客户 张", NewMsgId()))));

        Assert.Equal(DefaultReply, WeixinXml.ReadFields(reply.Body)["Content"]);
    }

    [Fact]
    public async Task HandleAsync_Image_GetsTheDefaultReplyWithoutAskingTheCrm()
    {
        var received = new ConcurrentQueue<MessageHookRequest>();
        await using var crm = await CrmHookStandIn.StartAsync(CrmHookStandIn.Reply("不应出现"), received);
        await using var host = await MessagesTestHost.StartAsync(fixture, null, crm.BaseAddress);

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Image(NewOpenId(), NewMsgId()))));

        Assert.Equal(DefaultReply, WeixinXml.ReadFields(reply.Body)["Content"]);
        Assert.Empty(received);
    }

    [Fact]
    public async Task HandleAsync_LinkClickEvent_NoReply()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);

        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, Plain(Event(NewOpenId(), "VIEW", "http://127.0.0.1:5300/"))));

        Assert.Equal((MessageItemHandler.NoReplyOutcome, ""), (reply.Outcome, reply.Body));
    }

    [Fact]
    public async Task HandleAsync_MsgSignatureDoesNotMatch_FailsTheItemForGoodAndStoresNothing()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);
        var msgId = NewMsgId();
        var item = Safe(Text(NewOpenId(), "hi", msgId), token: "SomeOtherToken");

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, item));

        Assert.Equal(MessageFailReasons.Unopenable, fail.Error);
        Assert.Contains("msg_signature", fail.Detail, StringComparison.Ordinal);
        Assert.Null(await FindRowAsync("msg:" + msgId));
    }

    [Fact]
    public async Task HandleAsync_EncryptedWithAnotherKey_FailsTheItemWithoutTheKeyInTheError()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);
        var item = Safe(Text(NewOpenId(), "hi", NewMsgId()), key: "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut");

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, item));

        Assert.Equal(MessageFailReasons.Unopenable, fail.Error);
        Assert.StartsWith("cannot decrypt", fail.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(MessagesTestHost.EncodingAesKey, fail.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_EncryptedForAnotherAppId_FailsTheItem()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, Safe(Text(NewOpenId(), "hi", NewMsgId()), appId: "wx_someone_else")));

        Assert.Equal(MessageFailReasons.Unopenable, fail.Error);
        Assert.Contains("another appid", fail.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_SafeModeWithoutEncodingAesKey_FailsWithAClearError()
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null, new Dictionary<string, string?> { ["Weixin:EncodingAESKey"] = "" });

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, Safe(Text(NewOpenId(), "hi", NewMsgId()))));

        Assert.Equal(MessageFailReasons.NoKey, fail.Error);
    }

    [Theory]
    [InlineData("<xml><ToUserName>gh_x</ToUserName>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>&x;</ToUserName></xml>")]
    [InlineData("<xml><ToUserName>gh_x</ToUserName><FromUserName>o</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>")]
    public async Task HandleAsync_UnreadableXml_FailsTheItem(string body)
    {
        await using var host = await MessagesTestHost.StartAsync(fixture, null, null);

        var fail = Assert.IsType<ItemDecision.Fail>(await HandleAsync(host, Item(new MessageCallback(body, "1", "2", null, null, null))));

        Assert.Equal(MessageFailReasons.Unopenable, fail.Error);
        Assert.StartsWith("unreadable XML", fail.Detail, StringComparison.Ordinal);
    }

    private static async Task<ItemDecision> HandleAsync(MessagesTestHost host, ClaimedItem item)
    {
        await using var scope = host.Scope();
        return await scope.ServiceProvider.GetRequiredService<MessageItemHandler>().HandleAsync(item, CancellationToken.None);
    }

    private async Task<WeixinMessageEntry?> FindRowAsync(string key)
    {
        await using var db = fixture.CreateContext();
        return await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.DedupKey == key);
    }

    private async Task<WeixinMessageEntry> RowAsync(string key) => await FindRowAsync(key) ?? throw new InvalidOperationException($"no row {key}");

    private async Task<WeixinUserEntry> UserAsync(string openId)
    {
        await using var db = fixture.CreateContext();
        return await db.Users.AsNoTracking().SingleAsync(u => u.OpenId == openId);
    }
}
