using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// The outbox against WeChat's customer-service quota (5 messages within 48 h after a user message, 3 within 1 minute
/// after a menu click, follow or scan; 45047 once spent): the fallback template takes over, and without one the
/// message fails once with the reason instead of being retried.
/// </summary>
public class CustomerServiceQuotaTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task Deliver_FourthCustomerServiceMessageAfterAClick_Gets45047AndSendsTheFallbackTemplate()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await fixture.SetConversationAsync(openId, interacted: true, kind: "click");

        var statuses = new List<MessageStatus>();
        foreach (var n in Enumerable.Range(1, 4))
        {
            var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
                CustomerService: new CustomerServiceMessage(Text: $"第 {n} 条客户通知", FallbackTemplate: PushTestHost.FollowUp($"客户{n}"))));
            await host.DeliverAsync();
            statuses.Add(await host.Gateway.GetMessageAsync(queued.Id));
        }

        Assert.All(statuses[..3], s => Assert.Equal((MessageStatuses.Sent, OutboxKinds.CustomerService), (s.Status, s.SentAs)));
        var fourth = statuses[3];
        Assert.Equal((MessageStatuses.Sent, OutboxKinds.FallbackTemplate, 45047, 1), (fourth.Status, fourth.SentAs, fourth.LastErrCode, fourth.Attempts));
        Assert.Contains("超出客服消息条数限制", fourth.LastError);
        var received = await fixture.ReceivedAsync(openId);
        Assert.Equal(["customer_service", "customer_service", "customer_service", "template"], received.Select(m => m.GetProperty("via").GetString()));
        Assert.Contains("客户4", received[3].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Deliver_SixthCustomerServiceMessageAfterAMessageWithoutFallback_FailsFor45047WithoutRetrying()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await fixture.SetConversationAsync(openId, interacted: true);

        var statuses = new List<MessageStatus>();
        foreach (var n in Enumerable.Range(1, 6))
        {
            var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
                CustomerService: new CustomerServiceMessage(Text: $"第 {n} 条")));
            await host.DeliverAsync();
            statuses.Add(await host.Gateway.GetMessageAsync(queued.Id));
        }

        Assert.All(statuses[..5], s => Assert.Equal((MessageStatuses.Sent, OutboxKinds.CustomerService), (s.Status, s.SentAs)));
        var sixth = statuses[5];
        Assert.Equal((MessageStatuses.Failed, 45047, 1), (sixth.Status, sixth.LastErrCode, sixth.Attempts));
        Assert.Contains("超出客服消息条数限制", sixth.LastError);
        Assert.Equal(5, (await fixture.ReceivedAsync(openId)).Count);
    }

    [Fact]
    public async Task Deliver_AfterTheQuotaIsSpent_TheUsersNextMessageOpensANewOne()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        await fixture.SetConversationAsync(openId, interacted: true, kind: "follow");
        foreach (var n in Enumerable.Range(1, 3))
        {
            await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId, CustomerService: new CustomerServiceMessage(Text: $"欢迎 {n}")));
            await host.DeliverAsync();
        }

        // Note: a real client cannot send more until the user writes again; after that it may send 5 more.
        await fixture.SetConversationAsync(openId, interacted: true, kind: "message");
        var queued = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId,
            CustomerService: new CustomerServiceMessage(Text: "用户回复后的通知", FallbackTemplate: PushTestHost.FollowUp("张敏"))));
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(queued.Id);
        Assert.Equal((MessageStatuses.Sent, OutboxKinds.CustomerService), (status.Status, status.SentAs));
        Assert.Equal(4, (await fixture.ReceivedAsync(openId)).Count(m => m.GetProperty("via").GetString() == "customer_service"));
    }
}
