using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// <c>/gateway/v1/messages</c> as the CRM calls it (signed): queueing with idempotency, the reasons a message is
/// refused, reading, listing and re-sending. Nothing is delivered here (the delivery runs only when a test asks).
/// </summary>
public class MessagesApiTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Send_NewMessage_Answers202AndQueuesIt()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        using var http = host.SignedClient();

        using var response = await http.PostAsJsonAsync("gateway/v1/messages",
            new SendMessageRequest("reminder-1-" + Guid.NewGuid().ToString("N")[..8], openId, PushTestHost.FollowUp("张伟")), Web);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = (await response.Content.ReadFromJsonAsync<MessageStatus>(Web))!;
        Assert.Equal((MessageStatuses.Queued, "template", 0, openId), (status.Status, status.Kind, status.Attempts, status.OpenId));
        Assert.NotNull(status.NextAttemptAt);
        Assert.Equal(status, await host.Gateway.GetMessageAsync(status.Id));
    }

    [Fact]
    public async Task Send_SameKeySameContent_Answers200WithTheFirstMessage()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var key = PushTestHost.NewKey();
        using var http = host.SignedClient();
        var first = await host.SendTemplateAsync(openId, key);

        // Note: the same fields in another order are the same message.
        var reordered = PushTestHost.FollowUp("张伟") with
        {
            Data = PushTestHost.FollowUp("张伟").Data.Reverse().ToDictionary(),
        };
        using var response = await http.PostAsJsonAsync("gateway/v1/messages", new SendMessageRequest(key, openId, reordered), Web);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(first.Id, (await response.Content.ReadFromJsonAsync<MessageStatus>(Web))!.Id);
        Assert.Single((await host.Gateway.ListMessagesAsync(limit: 200)).Items, m => m.IdempotencyKey == key);
    }

    [Fact]
    public async Task Send_SameKeyOtherContent_Answers409IdempotencyConflict()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var key = PushTestHost.NewKey();
        await host.SendTemplateAsync(openId, key, customer: "张伟");
        using var http = host.SignedClient();

        using var response = await http.PostAsJsonAsync("gateway/v1/messages", new SendMessageRequest(key, openId, PushTestHost.FollowUp("张敏")), Web);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, MessageErrors.IdempotencyConflict);
    }

    [Fact]
    public async Task Send_OpenIdNotInTheDirectory_Answers404UserUnknown()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        using var http = host.SignedClient();

        using var response = await http.PostAsJsonAsync("gateway/v1/messages",
            new SendMessageRequest(PushTestHost.NewKey(), "o_never_seen_" + Guid.NewGuid().ToString("N")[..8], PushTestHost.FollowUp("张伟")), Web);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, MessageErrors.UnknownUser);
    }

    [Fact]
    public async Task Send_UserWhoUnfollowed_Answers422UserUnsubscribed()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync(unsubscribedInGateway: true);
        using var http = host.SignedClient();

        using var response = await http.PostAsJsonAsync("gateway/v1/messages", new SendMessageRequest(PushTestHost.NewKey(), openId, PushTestHost.FollowUp("张伟")), Web);

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, MessageErrors.UserUnsubscribed);
    }

    public static TheoryData<string, string> InvalidRequests => new()
    {
        { """{"idempotencyKey":"has space","openId":"o_x","template":{"templateId":"T","data":{"first":{"value":"x"}}}}""", "idempotencyKey" },
        { """{"idempotencyKey":"k1","openId":"o_x"}""", "template" },
        { """{"idempotencyKey":"k1","openId":"o_x","template":{"templateId":"T","data":{"first":{"value":"x"}}},"customerService":{"text":"x"}}""", "template" },
        { """{"idempotencyKey":"k1","openId":"o_x","template":{"templateId":"T","data":{"first":{"value":" """.TrimEnd() + new string('长', 201) + "\"}}}}", "template.data.first.value" },
        { """{"idempotencyKey":"k1","openId":"o_x","template":{"templateId":"T","data":{"first":{"value":"x"}},"url":"ftp://crm/x"}}""", "template.url" },
        { """{"idempotencyKey":"k1","openId":"o_x","template":{"templateId":"T","data":{"first":{"value":"x"}},"url":"/customers/1"}}""", "template.url" },
        { """{"idempotencyKey":"k1","openId":"o_x","customerService":{"text":" """.TrimEnd() + new string('字', 2049) + "\"}}", "customerService.text" },
        { """{"idempotencyKey":"k1","openId":"o_x","customerService":{"news":{"title":"t","url":"javascript:alert(1)"}}}""", "customerService.news.url" },
        { """{"idempotencyKey":"k1","openId":"o_x","customerService":{"text":"x","fallbackTemplate":{"templateId":"T","data":{}}}}""", "customerService.fallbackTemplate.data" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Send_InvalidField_Answers400NamingTheField(string body, string field)
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        using var http = host.SignedClient();

        using var response = await http.PostAsync("gateway/v1/messages", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, MessageErrors.Invalid);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
    }

    public static TheoryData<string, string> ValuesWeChatRefuses => new()
    {
        { "thing3", "请在周五前回电确认报价单第三版的交货期和付款方式" },
        { "thing3", "第一行\n第二行" },
        { "character_string5", "订单12345" },
        { "character_string5", new string('9', 33) },
        { "phrase6", "六个汉字太长" },
        { "phrase6", "OK" },
        { "name7", "欧阳一二三四五六七八九" },
        { "name7", "Li4" },
        { "time2", "明天上午" },
        { "date8", "25th Nov" },
        { "amount9", "¥12345678901" },
        { "phone_number10", "+86-0755-1234567890" },
        { "car_number11", "粤A8Z8888挂" },
        { "number12", "12a" },
    };

    // Note: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html#类目模板消息
    [Theory]
    [MemberData(nameof(ValuesWeChatRefuses))]
    public async Task Send_TemplateValueWeChatWouldRefuse_Answers400NamingTheKeyword_AndQueuesNothing(string keyword, string value)
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        using var http = host.SignedClient();
        var template = PushTestHost.FollowUp("张伟");
        var data = new Dictionary<string, TemplateField>(template.Data) { [keyword] = new(value) };

        using var response = await http.PostAsJsonAsync("gateway/v1/messages",
            new SendMessageRequest(PushTestHost.NewKey(), openId, CustomerService: new CustomerServiceMessage(Text: "x", FallbackTemplate: template with { Data = data })), Web);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, MessageErrors.Invalid);
        Assert.True(problem.GetProperty("errors").TryGetProperty($"customerService.fallbackTemplate.data.{keyword}.value", out var why), $"errors should name {keyword}: {problem}");
        Assert.Contains(keyword, why.ToString());
        Assert.DoesNotContain((await host.Gateway.ListMessagesAsync(limit: 200)).Items, m => m.OpenId == openId);
    }

    [Fact]
    public async Task Send_TemplateValuesThatFitTheirTypes_AreQueued()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var data = new Dictionary<string, TemplateField>(PushTestHost.FollowUp("张伟").Data)
        {
            ["thing3"] = new("回访报价，确认签约时间，带上样品和合同书"), // 20 characters
            ["character_string5"] = new("SO-2026-000123"),
            ["phrase6"] = new("待跟进"),
            ["name7"] = new("欧阳娜娜"),
            ["date8"] = new("2026年11月25日"),
            ["amount9"] = new("¥1234.50"),
            ["phone_number10"] = new("+86-0755-12345678"),
            ["car_number11"] = new("粤A8Z888挂"),
            ["number12"] = new("3.5"),
            ["first"] = new("旧模板的首行\n（不再显示，不按类型检查）"),
        };

        var status = await host.Gateway.SendMessageAsync(new SendMessageRequest(PushTestHost.NewKey(), openId, new TemplateMessage("TPL_FOLLOW_UP", data)));

        Assert.Equal(MessageStatuses.Queued, status.Status);
    }

    [Fact]
    public async Task Send_Unsigned_IsRefused()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsJsonAsync("gateway/v1/messages", new SendMessageRequest(PushTestHost.NewKey(), openId, PushTestHost.FollowUp("张伟")), Web);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain((await host.Gateway.ListMessagesAsync(limit: 200)).Items, m => m.OpenId == openId);
    }

    [Fact]
    public async Task GetAndResend_UnknownOrQueuedMessage_Answer404And409()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var queued = await host.SendTemplateAsync(openId);
        using var http = host.SignedClient();

        using var unknown = await http.GetAsync("gateway/v1/messages/987654321");
        using var resendQueued = await http.PostAsync($"gateway/v1/messages/{queued.Id}/resend", null);

        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, MessageErrors.NotFound);
        await AssertProblemAsync(resendQueued, HttpStatusCode.Conflict, MessageErrors.NotResendable);
    }

    [Fact]
    public async Task List_ByStatus_ShowsOnlyThatStatusNewestFirst()
    {
        await using var host = await PushTestHost.StartAsync(fixture);
        var openId = await fixture.AddUserAsync();
        var older = await host.SendTemplateAsync(openId);
        var newer = await host.SendTemplateAsync(openId);

        var queued = (await host.Gateway.ListMessagesAsync(MessageStatuses.Queued, 200)).Items.Where(m => m.OpenId == openId).ToList();
        var sent = (await host.Gateway.ListMessagesAsync(MessageStatuses.Sent, 200)).Items.Where(m => m.OpenId == openId);

        Assert.Equal([newer.Id, older.Id], queued.Select(m => m.Id));
        Assert.Empty(sent);
        using var http = host.SignedClient();
        using var badStatus = await http.GetAsync("gateway/v1/messages?status=lost");
        await AssertProblemAsync(badStatus, HttpStatusCode.BadRequest, MessageErrors.Invalid);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {body}");
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
