using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Messages;
using static Weixin.Inbox.IntranetPoller.Tests.Messages.WeixinCallbacks;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>
/// WeChat repeats a message only when its earlier request got no answer, so a repeat after a "passive" delivery takes
/// the reply over — but never after the customer-service API had it, and never for a message older than WeChat's retry
/// window. Real gateway database, stood-in WeChat API (to see that nothing is sent twice); the inbox is played by the test.
/// </summary>
public class RetryTakeoverTests(GatewayDatabaseFixture fixture) : IClassFixture<GatewayDatabaseFixture>
{
    private const string DefaultReply = "暂不支持该消息，回复「帮助」查看可用指令。";

    [Fact]
    public async Task Retry_AfterAPassiveAnswerThatNeverArrived_CarriesTheSameReplySealedForItsMode()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var openId = NewOpenId();
        var xml = Text(openId, "你好", NewMsgId());
        var first = Plain(xml);
        var firstReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, first));
        await AfterCompleteAsync(host, first, firstReply.DedupKey!, deliveredPassively: true); // the inbox believed it delivered

        var retry = SafeItem(xml);
        var retryReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, retry));

        Assert.Equal((MessageItemHandler.RepliedOutcome, firstReply.DedupKey), (retryReply.Outcome, retryReply.DedupKey));
        Assert.DoesNotContain(DefaultReply, retryReply.Body, StringComparison.Ordinal);
        var fields = WeixinXml.ReadFields(OpenReply(retryReply.Body));
        Assert.Equal((DefaultReply, openId), (fields["Content"], fields["ToUserName"]));
        Assert.Equal(WeixinXml.ReadFields(firstReply.Body)["Content"], fields["Content"]);
        var row = await RowAsync(firstReply.DedupKey!);
        Assert.Equal((retry.Id, (string?)null), (row.DeliveryItemId, row.DeliveredVia));

        // The repeat's own passive answer is recorded for it; nothing went through the customer-service API.
        await AfterCompleteAsync(host, retry, retryReply.DedupKey!, deliveredPassively: true);
        row = await RowAsync(firstReply.DedupKey!);
        Assert.Equal((retry.Id, WeixinDeliveries.Passive), (row.DeliveryItemId, row.DeliveredVia));
        Assert.Empty(weixin.Sends);
    }

    [Fact]
    public async Task Retry_AfterTheCustomerServiceApiTookTheReply_IsAnEmptyDuplicateAndNothingIsSentAgain()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        // Note: two messages: one whose send went through, one whose send is still pending (WeChat answered 429).
        var sentXml = Text(NewOpenId(), "一", NewMsgId());
        var pendingXml = Text(NewOpenId(), "二", NewMsgId());
        var sent = SafeItem(sentXml);
        var sentReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, sent));
        await AfterCompleteAsync(host, sent, sentReply.DedupKey!, deliveredPassively: false);
        weixin.ThenSend(() => FakeWeixinApi.Http(429));
        var pending = SafeItem(pendingXml);
        var pendingReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, pending));
        await AfterCompleteAsync(host, pending, pendingReply.DedupKey!, deliveredPassively: false);
        Assert.Equal(2, weixin.Sends.Count);

        var retryOfSent = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, SafeItem(sentXml)));
        var retryOfPending = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, SafeItem(pendingXml)));

        Assert.Equal((MessageItemHandler.DuplicateOutcome, "", (string?)null), (retryOfSent.Outcome, retryOfSent.Body, retryOfSent.DedupKey));
        Assert.Equal((MessageItemHandler.DuplicateOutcome, "", (string?)null), (retryOfPending.Outcome, retryOfPending.Body, retryOfPending.DedupKey));
        Assert.Equal(2, weixin.Sends.Count);
        var sentRow = await RowAsync(sentReply.DedupKey!);
        Assert.Equal((sent.Id, WeixinDeliveries.CustomerService, WeixinMessageStatuses.Replied), (sentRow.DeliveryItemId, sentRow.DeliveredVia, sentRow.Status));
        var pendingRow = await RowAsync(pendingReply.DedupKey!);
        Assert.Equal((pending.Id, WeixinDeliveries.CustomerService, WeixinMessageStatuses.PendingSend), (pendingRow.DeliveryItemId, pendingRow.DeliveredVia, pendingRow.Status));
    }

    [Fact]
    public async Task Retry_OfAMessageOlderThanTheRetryWindow_IsAnEmptyDuplicate()
    {
        // A malicious inbox replaying an old item after a passive delivery must not get the reply sent again.
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var xml = Text(NewOpenId(), "旧消息", NewMsgId(), createTime: Now() - 45); // the default window is 30 s
        var first = SafeItem(xml);
        var firstReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, first));
        await AfterCompleteAsync(host, first, firstReply.DedupKey!, deliveredPassively: true);

        var replay = SafeItem(xml);
        var replayReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, replay));
        await AfterCompleteAsync(host, replay, firstReply.DedupKey!, deliveredPassively: false); // as if it claimed the reply

        Assert.Equal((MessageItemHandler.DuplicateOutcome, ""), (replayReply.Outcome, replayReply.Body));
        var row = await RowAsync(firstReply.DedupKey!);
        Assert.Equal((first.Id, WeixinDeliveries.Passive), (row.DeliveryItemId, row.DeliveredVia));
        Assert.Empty(weixin.Sends);
    }

    [Fact]
    public async Task SecondEvent_WithTheFirstOnesKey_DoesNotTakeOverItsReply()
    {
        // An event's key is FromUserName + CreateTime + Event: two real taps within one second share it, so a newer
        // event item is no proof of a retry and must not be answered with the first one's reply again.
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var openId = NewOpenId();
        var createTime = Now();
        var first = SafeItem(Event(openId, "subscribe", createTime: createTime));
        var firstReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, first));
        Assert.Equal(MessageItemHandler.RepliedOutcome, firstReply.Outcome);
        await AfterCompleteAsync(host, first, firstReply.DedupKey!, deliveredPassively: true);

        var second = SafeItem(Event(openId, "subscribe", createTime: createTime));
        var secondReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, second));

        Assert.Equal((MessageItemHandler.DuplicateOutcome, ""), (secondReply.Outcome, secondReply.Body));
        var row = await RowAsync(firstReply.DedupKey!);
        Assert.Equal((first.Id, WeixinDeliveries.Passive), (row.DeliveryItemId, row.DeliveredVia));
        Assert.Empty(weixin.Sends);
    }

    [Fact]
    public async Task OldHolder_LateCompletionAfterATakeover_SendsNothingAndLogsNoError()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var xml = Text(NewOpenId(), "在吗", NewMsgId());
        var first = SafeItem(xml);
        var firstReply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, first));
        await AfterCompleteAsync(host, first, firstReply.DedupKey!, deliveredPassively: true);
        var retry = SafeItem(xml);
        Assert.Equal(MessageItemHandler.RepliedOutcome, Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, retry)).Outcome);
        var log = new RecordingLogger<ReplyDelivery>();

        // The old holder's completion answered again (a repeated batch), once saying passive, once saying not.
        await AfterCompleteAsync(host, first, firstReply.DedupKey!, deliveredPassively: true, log);
        await AfterCompleteAsync(host, first, firstReply.DedupKey!, deliveredPassively: false, log);

        Assert.Empty(weixin.Sends);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains($"item {retry.Id} carries the reply", StringComparison.Ordinal));
        var row = await RowAsync(firstReply.DedupKey!);
        Assert.Equal((retry.Id, (string?)null), (row.DeliveryItemId, row.DeliveredVia));

        // The newer item's own outcome still decides: its request was gone too, so the reply goes out once by the API.
        await AfterCompleteAsync(host, retry, firstReply.DedupKey!, deliveredPassively: false, log);
        Assert.Single(weixin.Sends);
        Assert.Equal((retry.Id, WeixinDeliveries.CustomerService), ((await RowAsync(firstReply.DedupKey!)).DeliveryItemId, (await RowAsync(firstReply.DedupKey!)).DeliveredVia));
    }

    // Note: each test has its own appid, so its access_tokens row is its own; its safe-mode items are encrypted for it.
    private readonly string _appId = "wx_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private Task<MessagesTestHost> StartAsync(FakeWeixinApi weixin) =>
        MessagesTestHost.StartAsync(fixture, weixin.BaseAddress, null, new Dictionary<string, string?> { ["Weixin:AppId"] = _appId });

    private ClaimedItem SafeItem(string xml) => Safe(xml, appId: _appId);

    /// <summary>Opens a safe-mode reply the way WeChat does: checks its signature, decrypts it for this test's appid.</summary>
    private string OpenReply(string body)
    {
        var fields = WeixinXml.ReadFields(body);
        Assert.True(WeixinSignature.Verify(fields["MsgSignature"], MessagesTestHost.Token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]));
        return new WeixinMessageCrypto(MessagesTestHost.EncodingAesKey, _appId).Decrypt(fields["Encrypt"]);
    }

    private static async Task<ItemDecision> HandleAsync(MessagesTestHost host, ClaimedItem item)
    {
        await using var scope = host.Scope();
        return await scope.ServiceProvider.GetRequiredService<MessageItemHandler>().HandleAsync(item, CancellationToken.None);
    }

    private static async Task AfterCompleteAsync(MessagesTestHost host, ClaimedItem item, string key, bool deliveredPassively, ILogger<ReplyDelivery>? log = null)
    {
        await using var scope = host.Scope();
        var delivery = log is null
            ? scope.ServiceProvider.GetRequiredService<ReplyDelivery>()
            : ActivatorUtilities.CreateInstance<ReplyDelivery>(scope.ServiceProvider, log);
        await delivery.AfterCompleteAsync(item, key, deliveredPassively, CancellationToken.None);
    }

    private async Task<WeixinMessageEntry> RowAsync(string key)
    {
        await using var db = fixture.CreateContext();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.DedupKey == key);
    }

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
