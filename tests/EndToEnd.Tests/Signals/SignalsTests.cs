using System.Globalization;
using System.Net;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.EndToEnd.Tests.Login;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Signals;

/// <summary>/metrics of the inbox and the poller count what happened; the correlation id follows an item through both logs.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class SignalsTests(LoginPipelineFixture fixture) : IClassFixture<LoginPipelineFixture>
{
    private LoginSystem System => fixture.System;

    [Fact]
    public async Task Metrics_AfterLogin_CountCallbackClaimAndProcessing()
    {
        var inboxBefore = await ScrapeAsync(System.Inbox);
        var pollerBefore = await ScrapeAsync(System.Poller);
        var openId = await System.AddWeixinUserAsync("指标用户");
        using var browser = System.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        Assert.Equal("done", (await browser.WaitForResultAsync(attempt.ItemId)).State);

        var inbox = await ScrapeAsync(System.Inbox);
        var poller = await ScrapeAsync(System.Poller);
        Assert.Equal(1, Delta(inboxBefore, inbox, "inbox_callbacks_received_total{kind=\"oauth\"}"));
        Assert.Equal(1, Delta(inboxBefore, inbox, "inbox_claim_latency_seconds_count{kind=\"oauth\"}"));
        Assert.Equal(1, Delta(inboxBefore, inbox, "inbox_processing_seconds_count{kind=\"oauth\"}"));
        Assert.True(inbox.ContainsKey("inbox_queue_depth{status=\"pending\"}"), "queue depth gauge missing");
        Assert.True(inbox.ContainsKey("inbox_oldest_pending_age_seconds"), "oldest pending age gauge missing");
        Assert.InRange(inbox["inbox_poller_last_claim_age_seconds"], 0, 60);
        Assert.Equal(1, Delta(pollerBefore, poller, "poller_items_processed_total{kind=\"oauth\",result=\"completed\"}"));
        Assert.Equal(1, Delta(pollerBefore, poller, "poller_item_processing_seconds_count{kind=\"oauth\"}"));
        Assert.Contains(inbox.Keys, k => k.StartsWith("http_requests_received_total{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_AfterMessage_CountReplyByDelivery()
    {
        var openId = await System.AddWeixinUserAsync("消息指标");
        var inboxBefore = await ScrapeAsync(System.Inbox);
        var pollerBefore = await ScrapeAsync(System.Poller);

        var delivery = await System.SendAsUserAsync(openId, "text", "帮助");

        // Note: on a loaded machine a cold first message can miss WeChat's 5 s and go through customer service;
        // either way the metrics must count the way it actually went.
        Assert.Contains(delivery.Via, new[] { "passive", "customer_service" });
        var inbox = await ScrapeAsync(System.Inbox);
        var poller = await ScrapeAsync(System.Poller);
        var callbacks = Delta(inboxBefore, inbox, "inbox_callbacks_received_total{kind=\"message\"}");
        Assert.Equal(delivery.Attempts, callbacks); // WeChat retries a slow answer; each retry is its own item
        Assert.Equal(callbacks, Replies(inboxBefore, inbox, "inbox_message_replies_total"));
        Assert.Equal(callbacks, Replies(pollerBefore, poller, "poller_message_replies_total"));
        Assert.True(Delta(inboxBefore, inbox, $"inbox_message_replies_total{{delivery=\"{delivery.Via}\"}}") >= 1);
    }

    [Fact]
    public async Task Metrics_WeixinError_CountedByApiAndErrcode()
    {
        var before = await ScrapeAsync(System.Poller);
        await System.InjectCodeExchangeFaultAsync(40029, 1, TimeSpan.Zero);
        var openId = await System.AddWeixinUserAsync("错误计数");
        using var browser = System.NewBrowser();

        var attempt = await browser.StartLoginAsync(openId);
        await browser.WaitForResultAsync(attempt.ItemId);

        var after = await ScrapeAsync(System.Poller);
        Assert.Equal(1, Delta(before, after, "weixin_api_errors_total{api=\"sns/oauth2/access_token\",errcode=\"40029\"}"));
    }

    [Fact]
    public async Task Metrics_AfterPush_CountAttemptAndOutboxDepth()
    {
        var openId = await System.AddWeixinUserAsync("推送指标");
        using var browser = System.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        Assert.Equal("done", (await browser.WaitForResultAsync(attempt.ItemId)).State);
        var before = await ScrapeAsync(System.Poller);

        var queued = await System.Gateway.SendMessageAsync(new SendMessageRequest("metrics-" + openId, openId, new TemplateMessage("TPL_FOLLOW_UP",
            new Dictionary<string, TemplateField> { ["thing1"] = new("客户"), ["time2"] = new("2026-11-25 10:00"), ["thing3"] = new("指标测试"), ["thing4"] = new("测试") })));
        var status = queued;
        for (var i = 0; i < 100 && !MessageStatuses.IsFinal(status.Status); i++)
        {
            await Task.Delay(100);
            status = await System.Gateway.GetMessageAsync(queued.Id);
        }

        Assert.Equal(MessageStatuses.Sent, status.Status);
        var after = await ScrapeAsync(System.Poller);
        Assert.Equal(1, Delta(before, after, "push_attempts_total{outcome=\"sent\"}"));
        Assert.True(after["push_outbox_depth{status=\"sent\"}"] >= 1);
        Assert.True(after.ContainsKey("push_outbox_oldest_queued_age_seconds"));
    }

    [Fact]
    public async Task Readyz_InboxReportsThePollerAndEveryServiceItsDatabase()
    {
        using var inbox = new HttpClient { BaseAddress = System.Inbox.BaseAddress };
        using var poller = new HttpClient { BaseAddress = System.Poller.BaseAddress };

        using var ready = await inbox.GetAsync("/readyz");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ok", body.GetProperty("database").GetString());
        Assert.Equal("ok", body.GetProperty("poller").GetString()); // the poller long-polls, so it is always recent
        using var pollerReady = await poller.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, pollerReady.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await pollerReady.Content.ReadAsStringAsync()).RootElement.GetProperty("database").GetString());
    }

    [Fact]
    public async Task CorrelationId_FollowsALoginFromInboxThroughPoller()
    {
        var openId = await System.AddWeixinUserAsync("关联编号");
        using var browser = System.NewBrowser();
        var attempt = await browser.StartLoginAsync(openId);
        Assert.Equal("done", (await browser.WaitForResultAsync(attempt.ItemId)).State);
        var rows = await System.Database.QueryAsync(System.Database.InboxDatabase,
            "SELECT correlation_id FROM inbox_items WHERE id = @id", ("@id", attempt.ItemId));
        var correlationId = (string)rows.Single()["correlation_id"]!;

        var inboxEvents = await EventsWithAsync(System.Inbox, correlationId, e => e.Contains("Stored OAuth callback", StringComparison.Ordinal));
        var pollerEvents = await EventsWithAsync(System.Poller, correlationId, e => e.Contains("completed", StringComparison.Ordinal));

        Assert.NotEmpty(inboxEvents);
        Assert.NotEmpty(pollerEvents);
        // The poller's calls back to the inbox carry the id too, so the inbox's request log lines have it.
        var completeRequest = await EventsWithAsync(System.Inbox, correlationId, e => e.Contains("/complete", StringComparison.Ordinal));
        Assert.NotEmpty(completeRequest);
    }

    private static async Task<List<string>> EventsWithAsync(ServiceProcess service, string correlationId, Func<string, bool> match)
    {
        // Note: the log is written as events happen; allow a moment for the last lines.
        for (var i = 0; i < 50; i++)
        {
            var found = new List<string>();
            using (var stream = new FileStream(service.JsonLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var reader = new StreamReader(stream))
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    using var document = JsonDocument.Parse(line);
                    if (document.RootElement.TryGetProperty("CorrelationId", out var id) && id.GetString() == correlationId && match(line))
                    {
                        found.Add(line);
                    }
                }
            }

            if (found.Count > 0)
            {
                return found;
            }

            await Task.Delay(100);
        }

        return [];
    }

    private static async Task<Dictionary<string, double>> ScrapeAsync(ServiceProcess service)
    {
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var text = await http.GetStringAsync("/metrics");
        var samples = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    private static double Replies(Dictionary<string, double> before, Dictionary<string, double> after, string name) =>
        new[] { "passive", "customer_service" }.Sum(d => after.GetValueOrDefault($"{name}{{delivery=\"{d}\"}}") - before.GetValueOrDefault($"{name}{{delivery=\"{d}\"}}"));

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string sample)
    {
        Assert.True(after.ContainsKey(sample), $"{sample} missing from /metrics");
        return after[sample] - before.GetValueOrDefault(sample);
    }
}
