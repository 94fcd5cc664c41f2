using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Weixin;
using static Weixin.Inbox.IntranetPoller.Tests.Messages.WeixinCallbacks;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>
/// What happens after <c>complete</c>: passive delivery recorded, or the reply sent once through the
/// customer-service API (stood-in WeChat), with token refresh, refusals and durable retries. Real gateway database.
/// </summary>
public class ReplyDeliveryTests(GatewayDatabaseFixture fixture) : IClassFixture<GatewayDatabaseFixture>
{
    private const string DefaultReply = "暂不支持该消息，回复「帮助」查看可用指令。";

    [Fact]
    public async Task AfterComplete_DeliveredPassively_RecordsItAndSendsNothing()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);

        await AfterCompleteAsync(host, item, reply, deliveredPassively: true);

        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.Passive, WeixinMessageStatuses.Replied), (row.DeliveredVia, row.Status));
        Assert.NotNull(row.DeliveredAt);
        Assert.Empty(weixin.Sends);
        Assert.Empty(weixin.TokenRequests);
    }

    [Fact]
    public async Task AfterComplete_RequestGone_SendsTheReplyOnceThroughCustomerService()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);
        await AfterCompleteAsync(host, item, reply, deliveredPassively: false); // a repeated complete answer
        await AfterCompleteAsync(host, item, reply, deliveredPassively: true);  // a confused one
        var retry = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, item with { Id = item.Id + 1_000_000 })); // WeChat's retry

        var (token, body) = Assert.Single(weixin.Sends);
        Assert.Equal("TOKEN_1", token);
        Assert.Equal(OpenIdOf(item), body.GetProperty("touser").GetString());
        Assert.Equal("text", body.GetProperty("msgtype").GetString());
        Assert.Equal(DefaultReply, body.GetProperty("text").GetProperty("content").GetString());
        Assert.Equal((MessageItemHandler.DuplicateOutcome, ""), (retry.Outcome, retry.Body));

        var tokenRequest = Assert.Single(weixin.TokenRequests);
        Assert.Equal("/cgi-bin/stable_token", tokenRequest.Path);
        using var tokenBody = JsonDocument.Parse(tokenRequest.Body);
        Assert.Equal("client_credential", tokenBody.RootElement.GetProperty("grant_type").GetString());
        Assert.Equal(AppIdOf(host), tokenBody.RootElement.GetProperty("appid").GetString());
        Assert.False(tokenBody.RootElement.GetProperty("force_refresh").GetBoolean());

        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.CustomerService, WeixinMessageStatuses.Replied, 1), (row.DeliveredVia, row.Status, row.Attempts));
        Assert.NotNull(row.DeliveredAt);
    }

    [Fact]
    public async Task Send_SecondReply_ReusesTheStoredToken()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);

        foreach (var _ in Enumerable.Range(0, 2))
        {
            var (item, reply) = await ReplyToImageAsync(host);
            await AfterCompleteAsync(host, item, reply, deliveredPassively: false);
        }

        Assert.Single(weixin.TokenRequests);
        Assert.Equal(["TOKEN_1", "TOKEN_1"], weixin.Sends.Select(s => s.AccessToken));
    }

    [Theory]
    [InlineData(40001)]
    [InlineData(42001)]
    [InlineData(40014)]
    public async Task Send_TokenRejected_RefreshesOnceAndSendsAgain(int errCode)
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);
        weixin.ThenSend(() => FakeWeixinApi.Error(errCode, "invalid credential, access_token is invalid or not latest"));

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);

        Assert.Equal(["TOKEN_1", "TOKEN_2"], weixin.Sends.Select(s => s.AccessToken));
        var forced = weixin.TokenRequests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("force_refresh").GetBoolean());
        // Note: an expired token (42001) is renewed by a normal stable_token call; only a rejected one is force-refreshed.
        Assert.Equal(errCode == 42001 ? [false, false] : [false, true], forced);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.CustomerService, WeixinMessageStatuses.Replied), (row.DeliveredVia, row.Status));
    }

    [Theory]
    [InlineData(45015, "response out of time limit or subscription is canceled")]
    [InlineData(45047, "out of response count limit")]
    [InlineData(43004, "require subscribe")]
    [InlineData(40003, "invalid openid")]
    public async Task Send_RefusedForGood_RecordsNoneAndNeverRetries(int errCode, string errMsg)
    {
        await ForgetOtherPendingSendsAsync();
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);
        weixin.ThenSend(() => FakeWeixinApi.Error(errCode, errMsg));

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);
        await Task.Delay(1200);
        await RunRetryJobAsync(host);

        Assert.Single(weixin.Sends);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.None, WeixinMessageStatuses.Replied), (row.DeliveredVia, row.Status));
        Assert.Equal($"errcode {errCode} {errMsg}", row.LastError);
        Assert.Null(row.DeliveredAt);
    }

    [Fact]
    public async Task Send_WeixinUnavailable_RetriesLaterThroughTheJob()
    {
        await ForgetOtherPendingSendsAsync();
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);
        weixin.ThenSend(() => FakeWeixinApi.Http(429), () => FakeWeixinApi.Error(-1, "system error"));

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);
        var pending = await RowAsync(reply.DedupKey!);
        await RunRetryJobAsync(host); // not due yet: backoff 1 s
        var sendsBeforeDue = weixin.Sends.Count;
        await Task.Delay(1200);
        await RunRetryJobAsync(host); // attempt 2: errcode -1 (busy), backoff 2 s
        await Task.Delay(2200);
        await RunRetryJobAsync(host); // attempt 3: ok

        Assert.Equal((WeixinMessageStatuses.PendingSend, 1, WeixinDeliveries.CustomerService), (pending.Status, pending.Attempts, pending.DeliveredVia));
        Assert.Contains("HTTP 429", pending.LastError, StringComparison.Ordinal);
        Assert.Equal(1, sendsBeforeDue);
        Assert.Equal(3, weixin.Sends.Count);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.CustomerService, WeixinMessageStatuses.Replied, 3), (row.DeliveredVia, row.Status, row.Attempts));
        Assert.NotNull(row.DeliveredAt);
    }

    [Fact]
    public async Task Send_WeixinDownForGood_GivesUpAfterSendAttempts()
    {
        await ForgetOtherPendingSendsAsync();
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin, new Dictionary<string, string?> { ["Messages:SendAttempts"] = "2" });
        var (item, reply) = await ReplyToImageAsync(host);
        weixin.ThenSend(() => FakeWeixinApi.Error(-1, "system error"), () => FakeWeixinApi.Error(-1, "system error"), () => FakeWeixinApi.Error(-1, "system error"));

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);
        await Task.Delay(1200);
        await RunRetryJobAsync(host);
        await Task.Delay(2200);
        await RunRetryJobAsync(host);

        Assert.Equal(2, weixin.Sends.Count);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.None, WeixinMessageStatuses.Replied, 2), (row.DeliveredVia, row.Status, row.Attempts));
        Assert.StartsWith("gave up after 2 attempts", row.LastError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    public async Task Send_OutcomeUnknown_IsNeverRepeated(int status)
    {
        // A 5xx from a gateway in front of WeChat does not say whether the message reached the user; custom/send has
        // no idempotency key, so a retry could deliver the same reply twice (and spend a second of the user's 5).
        await ForgetOtherPendingSendsAsync();
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);
        weixin.ThenSend(() => FakeWeixinApi.Http(status), () => FakeWeixinApi.Ok());

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);
        await Task.Delay(1200);
        await RunRetryJobAsync(host);

        Assert.Single(weixin.Sends);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.None, WeixinMessageStatuses.Replied, 1), (row.DeliveredVia, row.Status, row.Attempts));
        Assert.StartsWith("outcome unknown, not repeated", row.LastError, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status}", row.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_IpNotWhitelisted_KeepsWeixinsWordsAndRetries()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        weixin.TokenError = (40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1");
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);

        Assert.Empty(weixin.Sends);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinMessageStatuses.PendingSend, 1), (row.Status, row.Attempts));
        Assert.Contains("40164", row.LastError, StringComparison.Ordinal);
        Assert.Contains("203.0.113.7", row.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessToken_ClassicEndpoint_UsesCgiBinToken()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin, new Dictionary<string, string?> { ["Weixin:TokenEndpoint"] = "token" });
        var (item, reply) = await ReplyToImageAsync(host);

        await AfterCompleteAsync(host, item, reply, deliveredPassively: false);

        var request = Assert.Single(weixin.TokenRequests);
        Assert.Equal(("GET", "/cgi-bin/token"), (request.Method, request.Path));
        Assert.Contains("grant_type=client_credential", request.Query, StringComparison.Ordinal);
        Assert.Contains("appid=" + AppIdOf(host), request.Query, StringComparison.Ordinal);
        Assert.Single(weixin.Sends);
    }

    [Fact]
    public async Task AccessToken_ManyInstancesAtOnce_FetchOneTokenUnderTheLock()
    {
        await using var weixin = await FakeWeixinApi.StartAsync();
        weixin.TokenDelay = TimeSpan.FromMilliseconds(300);
        await using var host = await StartAsync(weixin);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var scope = host.Scope();
            return await scope.ServiceProvider.GetRequiredService<AccessTokenProvider>().GetAsync(CancellationToken.None);
        }));

        Assert.All(tokens, t => Assert.Equal((WeixinOutcome.Ok, "TOKEN_1"), (t.Outcome, t.Value)));
        Assert.Single(weixin.TokenRequests);
        await using var db = fixture.CreateContext();
        var stored = await db.AccessTokens.AsNoTracking().SingleAsync(t => t.AppId == AppIdOf(host));
        Assert.InRange(stored.ExpiresAt - stored.FetchedAt, TimeSpan.FromSeconds(7199), TimeSpan.FromSeconds(7201));
    }

    private Task<MessagesTestHost> StartAsync(FakeWeixinApi weixin, Dictionary<string, string?>? overrides = null)
    {
        // Note: each test has its own appid, so its access_tokens row is its own.
        var settings = new Dictionary<string, string?> { ["Weixin:AppId"] = "wx_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        return MessagesTestHost.StartAsync(fixture, weixin.BaseAddress, null, settings);
    }

    private static async Task<(ClaimedItem Item, ItemDecision.Reply Reply)> ReplyToImageAsync(MessagesTestHost host)
    {
        var item = Plain(Image(NewOpenId(), NewMsgId()));
        var reply = Assert.IsType<ItemDecision.Reply>(await HandleAsync(host, item));
        Assert.NotNull(reply.DedupKey);
        return (item, reply);
    }

    private static async Task<ItemDecision> HandleAsync(MessagesTestHost host, ClaimedItem item)
    {
        await using var scope = host.Scope();
        return await scope.ServiceProvider.GetRequiredService<MessageItemHandler>().HandleAsync(item, CancellationToken.None);
    }

    private static async Task AfterCompleteAsync(MessagesTestHost host, ClaimedItem item, ItemDecision.Reply reply, bool deliveredPassively)
    {
        await using var scope = host.Scope();
        await scope.ServiceProvider.GetRequiredService<ReplyDelivery>().AfterCompleteAsync(item, reply.DedupKey!, deliveredPassively, CancellationToken.None);
    }

    [Fact]
    public async Task Send_WhoseOutcomeWasNeverRecorded_IsNotRepeated()
    {
        // An attempt that reached WeChat and then lost its database (or its process) leaves the row pending with the
        // sending marker; after the hold the retry job must not send the reply a second time.
        await ForgetOtherPendingSendsAsync();
        await using var weixin = await FakeWeixinApi.StartAsync();
        await using var host = await StartAsync(weixin);
        var (item, reply) = await ReplyToImageAsync(host);
        weixin.ThenSend(() => FakeWeixinApi.Http(429), () => FakeWeixinApi.Ok());
        await AfterCompleteAsync(host, item, reply, deliveredPassively: false); // attempt 1: 429, retried in 1 s
        Assert.Contains("HTTP 429", (await RowAsync(reply.DedupKey!)).LastError, StringComparison.Ordinal);
        // What an attempt that got as far as the send leaves behind when its result cannot be written.
        await fixture.Database.ExecuteAsync(
            $"UPDATE weixin_messages SET last_error = '{CustomerServiceSender.SendingMarker}' WHERE dedup_key = '{reply.DedupKey}'");
        await Task.Delay(1200);

        await RunRetryJobAsync(host);

        Assert.Single(weixin.Sends);
        var row = await RowAsync(reply.DedupKey!);
        Assert.Equal((WeixinDeliveries.None, WeixinMessageStatuses.Replied), (row.DeliveredVia, row.Status));
        Assert.StartsWith("outcome unknown, not repeated", row.LastError, StringComparison.Ordinal);
    }

    /// <summary>
    /// The retry job serves the whole table (one gateway, one account); rows other tests of this class left pending
    /// would otherwise be sent through this test's stand-in.
    /// </summary>
    private Task ForgetOtherPendingSendsAsync() =>
        fixture.Database.ExecuteAsync($"UPDATE weixin_messages SET status = '{WeixinMessageStatuses.Replied}', next_attempt_at = NULL WHERE status = '{WeixinMessageStatuses.PendingSend}'");

    private static async Task RunRetryJobAsync(MessagesTestHost host) =>
        await ActivatorUtilities.CreateInstance<SendPendingRepliesJob>(host.Services).Execute(null!, CancellationToken.None);

    private async Task<WeixinMessageEntry> RowAsync(string key)
    {
        await using var db = fixture.CreateContext();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.DedupKey == key);
    }

    private static string OpenIdOf(ClaimedItem item) => Contracts.Weixin.WeixinXml.ParseMessage(item.Message!.Body).FromUserName;

    private static string AppIdOf(MessagesTestHost host) =>
        host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WeixinOptions>>().Value.AppId;
}
