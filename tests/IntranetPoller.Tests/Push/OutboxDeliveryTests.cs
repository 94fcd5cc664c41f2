using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// The outbox delivering to the real WeChat simulator: templates with their link, the customer-service window and its
/// fallback, WeChat's permanent refusals, transient errors with backoff and dead letters, token refresh, and what a
/// crash between WeChat's answer and our record leaves behind.
/// </summary>
public class OutboxDeliveryTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task Deliver_TemplateMessage_ReachesTheUserWithItsLink()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();

        var queued = await host.SendTemplateAsync(openId, customer: "张伟", url: "http://127.0.0.1:5300/customers/42");
        Assert.Equal(MessageStatuses.Queued, queued.Status);
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, "template", 1), (status.Status, status.SentAs, status.Attempts));
        var received = Assert.Single(await fixture.ReceivedAsync(openId));
        Assert.Equal("template", received.GetProperty("via").GetString());
        Assert.Equal("http://127.0.0.1:5300/customers/42", received.GetProperty("url").GetString());
        Assert.Contains("客户名称：张伟", received.GetProperty("text").GetString());
        Assert.Equal(status.WeixinMsgId, received.GetProperty("msgId").GetInt64());
    }

    [Fact]
    public async Task Deliver_TemplateAfterCrashBetweenSendAndRecord_WeChatKeepsOneAndStatusIsSent()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var queued = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();
        var first = await fixture.RowAsync(queued.Id);

        // Note: plays a poller killed after WeChat's OK and before its record: the row is back to "sending" with an
        // attempt in flight and a lapsed lease, and nothing of WeChat's answer stored.
        await fixture.ExecuteAsync($"""
            UPDATE outbox_messages SET status = 'sending', sent_at = NULL, weixin_msg_id = NULL, sent_as = NULL,
                claimed_by = 'crashed-poller/00000000', lease_until = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND,
                in_flight_as = 'template', in_flight_since = UTC_TIMESTAMP(6) - INTERVAL 31 SECOND
            WHERE id = {queued.Id}
            """);
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, first.WeixinMsgId), (status.Status, status.WeixinMsgId));
        Assert.Single(await fixture.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Deliver_CustomerServiceWithUnknownOutcome_IsNotSentAgain()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await fixture.SetConversationAsync(openId, interacted: true);
        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(Text: "您的客户张伟今天需要跟进")));
        await host.DeliverAsync();
        Assert.Equal(MessageStatuses.Sent, (await host.Gateway.GetMessageAsync(queued.Id)).Status);

        await fixture.ExecuteAsync($"""
            UPDATE outbox_messages SET status = 'sending', sent_at = NULL, sent_as = NULL,
                claimed_by = 'crashed-poller/00000000', lease_until = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND,
                in_flight_as = 'customer_service', in_flight_since = UTC_TIMESTAMP(6) - INTERVAL 31 SECOND
            WHERE id = {queued.Id}
            """);
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal(MessageStatuses.Failed, status.Status);
        Assert.Contains("结果未知", status.LastError);
        Assert.Single(await fixture.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Deliver_CustomerServiceInsideTheWindow_IsDelivered()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await fixture.SetConversationAsync(openId, interacted: true);

        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(News: new NewsArticle("客户张伟", "今天需要跟进", "http://127.0.0.1:5300/customers/7"))));
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, "customer_service"), (status.Status, status.SentAs));
        var received = Assert.Single(await fixture.ReceivedAsync(openId));
        Assert.Equal(("customer_service", "news", "客户张伟"),
            (received.GetProperty("via").GetString(), received.GetProperty("msgType").GetString(), received.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Deliver_CustomerServiceOutsideTheWindow_SendsTheFallbackTemplate()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();

        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(Text: "您的客户张敏今天需要跟进", FallbackTemplate: PushTestHost.FollowUp("张敏"))));
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, OutboxKinds.FallbackTemplate), (status.Status, status.SentAs));
        var received = Assert.Single(await fixture.ReceivedAsync(openId));
        Assert.Equal("template", received.GetProperty("via").GetString());
        Assert.Contains("客户名称：张敏", received.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Deliver_RetryAfterAnUncertainFallback_RepeatsTheTemplateNotTheText()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(Text: "您的客户张敏今天需要跟进", FallbackTemplate: PushTestHost.FollowUp("张敏"))));
        await host.DeliverAsync();
        Assert.Equal(OutboxKinds.FallbackTemplate, (await host.Gateway.GetMessageAsync(queued.Id)).SentAs);

        // Note: plays the fallback's answer lost on the way back (a timeout): WeChat holds the template, the row waits
        // for a retry with an uncertain outcome; meanwhile the user wrote, so custom/send would now go through.
        await fixture.ExecuteAsync($"""
            UPDATE outbox_messages SET status = 'queued', sent_at = NULL, sent_as = NULL, weixin_msg_id = NULL,
                uncertain_since = UTC_TIMESTAMP(6) - INTERVAL 5 SECOND, next_attempt_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND,
                last_err_code = 0, last_error = 'timed out'
            WHERE id = {queued.Id}
            """);
        await fixture.SetConversationAsync(openId, interacted: true);
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, OutboxKinds.FallbackTemplate), (status.Status, status.SentAs));
        var received = Assert.Single(await fixture.ReceivedAsync(openId)); // the template once, never also the text
        Assert.Equal("template", received.GetProperty("via").GetString());
    }

    [Fact]
    public async Task Deliver_CustomerServiceOutsideTheWindowWithoutFallback_FailsWithTheReason()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();

        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(Text: "您的客户张敏今天需要跟进")));
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Failed, 45015, 1), (status.Status, status.LastErrCode, status.Attempts));
        Assert.Contains("48 小时", status.LastError);
        Assert.Empty(await fixture.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Deliver_UserNoLongerFollowing_FailsFor43004WithoutRetrying()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await fixture.SetConversationAsync(openId, following: false);

        var queued = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Failed, 43004, 1), (status.Status, status.LastErrCode, status.Attempts));
        Assert.Contains("未关注", status.LastError);
    }

    [Fact]
    public async Task Deliver_OpenIdWeChatDoesNotKnow_FailsFor40003()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync(inSimulator: false);

        var queued = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Failed, 40003), (status.Status, status.LastErrCode));
        Assert.Contains("openid", status.LastError);
    }

    [Fact]
    public async Task Deliver_UnknownTemplateOrMissingField_FailsWithThePlainReason()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var missingField = PushTestHost.FollowUp("张伟") with
        {
            Data = new Dictionary<string, TemplateField> { ["first"] = new("只有一个字段") },
        };

        var badId = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId, PushTestHost.FollowUp("张伟", templateId: "TPL_NOPE")));
        var badData = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId, missingField));
        await host.DeliverAsync();

        var id = await host.Gateway.GetMessageAsync(badId.Id);
        var data = await host.Gateway.GetMessageAsync(badData.Id);
        Assert.Equal((MessageStatuses.Failed, 40037), (id.Status, id.LastErrCode));
        Assert.Contains("模板 ID 无效", id.LastError);
        Assert.Equal((MessageStatuses.Failed, 47003), (data.Status, data.LastErrCode));
        Assert.Empty(await fixture.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Deliver_TransientErrors_BackOffExponentiallyThenDeadLetter_AndResendDelivers()
    {
        await using var host = await PushTestHost.StartAsync(fixture, new Dictionary<string, string?> { ["Push:MaxAttempts"] = "3" });
        var openId = await fixture.AddUserAsync();
        var queued = await host.SendTemplateAsync(openId);
        await fixture.FaultAsync(new { templateErrcode = -1, count = 3 });
        try
        {
            var delays = new List<TimeSpan>();
            var runs = new List<TimeSpan>();
            for (var i = 0; i < 2; i++)
            {
                var run = System.Diagnostics.Stopwatch.StartNew();
                await host.DeliverAsync();
                runs.Add(run.Elapsed);
                var row = await fixture.RowAsync(queued.Id);
                Assert.Equal((MessageStatuses.Queued, -1), (row.Status, row.LastErrCode));
                delays.Add(row.NextAttemptAt!.Value - row.LastAttemptAt!.Value);
                // Note: the passing of the backoff, without waiting for it.
                await fixture.ExecuteAsync($"UPDATE outbox_messages SET next_attempt_at = UTC_TIMESTAMP(6) WHERE id = {queued.Id}");
            }

            await host.DeliverAsync();

            // Note: the delay is counted from the attempt's start to "now + backoff" after WeChat answered, so it holds
            // the attempt's own duration too (seconds on a loaded machine): the bound allows that run's time.
            Assert.InRange(delays[0].TotalSeconds, 4.5, 5 + runs[0].TotalSeconds + 0.5);
            Assert.InRange(delays[1].TotalSeconds, 9.5, 10 + runs[1].TotalSeconds + 0.5);
            var dead = await host.Gateway.GetMessageAsync(queued.Id);
            Assert.Equal((MessageStatuses.Dead, 3), (dead.Status, dead.Attempts));
            Assert.Contains(queued.Id, (await host.Gateway.ListMessagesAsync(MessageStatuses.Dead)).Items.Select(m => m.Id));
            Assert.Empty(await fixture.ReceivedAsync(openId));
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }

        var resent = await host.Gateway.ResendMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Queued, 0), (resent.Status, resent.Attempts));
        await host.DeliverAsync();

        Assert.Equal(MessageStatuses.Sent, (await host.Gateway.GetMessageAsync(queued.Id)).Status);
        Assert.Single(await fixture.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Deliver_TokenRejectedWith40001_FetchesANewTokenAndSendsOnce()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await host.SendTemplateAsync(openId);
        await host.DeliverAsync(); // Note: makes sure a token is stored before the fault.
        var fetchesBefore = await fixture.TokenFetchesAsync();

        var queued = await host.SendTemplateAsync(openId);
        await fixture.FaultAsync(new { templateErrcode = 40001, count = 1 });
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, 1), (status.Status, status.Attempts));
        Assert.Equal(fetchesBefore + 1, await fixture.TokenFetchesAsync());
        Assert.Equal(2, (await fixture.ReceivedAsync(openId)).Count);
    }
}
