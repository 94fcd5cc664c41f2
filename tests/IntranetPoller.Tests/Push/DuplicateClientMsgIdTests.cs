using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// A template repeated with the same client_msg_id after an attempt whose outcome is unknown. WeChat keeps one per
/// openid and client_msg_id for 10 minutes, but its doc does not say what the repeat answers
/// (https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage), so these run against a
/// simulator answering the earlier msgid and one answering an error: under both the user gets the message once and the
/// outbox reports it sent or 「发送结果未知」, never a plain failure that invites a second send.
/// </summary>
public abstract class DuplicateClientMsgIdTests(SimulatorFixture fixture)
{
    /// <summary>What the outbox must report once the repeat was answered (the message reached the user once).</summary>
    protected abstract void AssertOutcome(MessageStatus status, long? firstMsgId);

    [Fact]
    public async Task Deliver_RepeatAfterACrashBetweenSendAndRecord_ReachesTheUserOnce()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var queued = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();
        var first = await fixture.RowAsync(queued.Id);

        // Note: plays a poller killed after WeChat's OK and before its record (in flight, lease lapsed, no answer kept).
        await fixture.ExecuteAsync($"""
            UPDATE outbox_messages SET status = 'sending', sent_at = NULL, weixin_msg_id = NULL, sent_as = NULL,
                claimed_by = 'crashed-poller/00000000', lease_until = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND,
                in_flight_as = 'template', in_flight_since = UTC_TIMESTAMP(6) - INTERVAL 31 SECOND
            WHERE id = {queued.Id}
            """);
        await host.DeliverAsync();
        await host.DeliverAsync();

        AssertOutcome(await host.Gateway.GetMessageAsync(queued.Id), first.WeixinMsgId);
        Assert.Single(await fixture.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Deliver_FallbackTemplateRepeatedAfterALostAnswer_ReachesTheUserOnce()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(Text: "您的客户张敏今天需要跟进", FallbackTemplate: PushTestHost.FollowUp("张敏"))));
        await host.DeliverAsync();
        var first = await fixture.RowAsync(queued.Id);
        Assert.Equal(OutboxKinds.FallbackTemplate, first.SentAs);

        // Note: plays the fallback's answer lost on the way back (a timeout): WeChat holds the template and the row waits
        // for a retry with an uncertain outcome; meanwhile the user wrote, so custom/send would now go through too.
        await fixture.ExecuteAsync($"""
            UPDATE outbox_messages SET status = 'queued', sent_at = NULL, sent_as = NULL, weixin_msg_id = NULL,
                uncertain_since = UTC_TIMESTAMP(6) - INTERVAL 5 SECOND, next_attempt_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND,
                last_err_code = 0, last_error = 'timed out'
            WHERE id = {queued.Id}
            """);
        await fixture.SetConversationAsync(openId, interacted: true);
        await host.DeliverAsync();
        await host.DeliverAsync();

        AssertOutcome(await host.Gateway.GetMessageAsync(queued.Id), first.WeixinMsgId);
        var received = Assert.Single(await fixture.ReceivedAsync(openId)); // the template once, never also the text
        Assert.Equal("template", received.GetProperty("via").GetString());
    }
}

/// <summary>The simulator's default: a repeat answers ok with the first send's msgid, so the outbox records it sent.</summary>
public sealed class DuplicateAnsweredWithEarlierMsgIdTests(DefaultSimulatorFixture fixture)
    : DuplicateClientMsgIdTests(fixture), IClassFixture<DefaultSimulatorFixture>
{
    protected override void AssertOutcome(MessageStatus status, long? firstMsgId) =>
        Assert.Equal((MessageStatuses.Sent, firstMsgId), (status.Status, status.WeixinMsgId));
}

/// <summary>
/// A repeat answered with an error (47003): the message may be on the phone already, so the outbox says
/// 「发送结果未知」 (errcode 0, no automatic resend), not 「模板数据与模板不符」.
/// </summary>
public sealed class DuplicateAnsweredWithErrorTests(DuplicateErrorSimulatorFixture fixture)
    : DuplicateClientMsgIdTests(fixture), IClassFixture<DuplicateErrorSimulatorFixture>
{
    protected override void AssertOutcome(MessageStatus status, long? firstMsgId)
    {
        Assert.Equal((MessageStatuses.Failed, 0), (status.Status, status.LastErrCode));
        Assert.StartsWith("发送结果未知", status.LastError);
        Assert.Contains("47003", status.LastError);
    }
}

/// <summary>The simulator answering a repeated client_msg_id with an error.</summary>
public sealed class DuplicateErrorSimulatorFixture() : SimulatorFixture(new Dictionary<string, string> { ["Simulator__DuplicateClientMsgId"] = "Error" });
