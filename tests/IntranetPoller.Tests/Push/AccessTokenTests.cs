using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// The shared access_token as the outbox uses it: one fetch for several pollers on one database, 40164 reported with
/// the IP and no retry loop, and the per-minute limit counted across instances. Each test has its own database.
/// </summary>
public class AccessTokenTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    [Fact]
    public async Task TwoPollersOnOneDatabase_FetchOneTokenBetweenThem()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        var connection = database.Database.ServiceConnectionString;
        await using var first = await PushTestHost.StartAsync(fixture, database: connection);
        await using var second = await PushTestHost.StartAsync(fixture, new Dictionary<string, string?> { ["Push:BatchSize"] = "3" }, connection);
        var openId = await fixture.AddUserAsync(database: database);
        var ids = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await first.SendTemplateAsync(openId, customer: $"客户{i}")).Id);
        }

        var fetchesBefore = await fixture.TokenFetchesAsync();
        var runs = await Task.WhenAll(first.DeliverAsync(), second.DeliverAsync(), first.DeliverAsync(), second.DeliverAsync());

        Assert.Equal(1, await fixture.TokenFetchesAsync() - fetchesBefore);
        Assert.Equal(12, runs.Sum());
        foreach (var id in ids)
        {
            Assert.Equal(MessageStatuses.Sent, (await first.Gateway.GetMessageAsync(id)).Status);
        }

        Assert.Equal(12, (await fixture.ReceivedAsync(openId)).Count);
    }

    [Fact]
    public async Task IpNotWhitelisted_FailsTheMessageWithTheIpAndPausesTheOutbox()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        await using var host = await PushTestHost.StartAsync(fixture, new Dictionary<string, string?> { ["Push:MaxConcurrency"] = "1" }, database.Database.ServiceConnectionString);
        var openId = await fixture.AddUserAsync(database: database);
        var blocked = await host.SendTemplateAsync(openId);
        var waiting = await host.SendTemplateAsync(openId);
        await fixture.FaultAsync(new { apiTokenErrcode = 40164, count = 100 });
        try
        {
            var fetchesBefore = await fixture.TokenFetchesAsync();
            await host.DeliverAsync();
            await host.DeliverAsync();
            await host.DeliverAsync();

            var failed = await host.Gateway.GetMessageAsync(blocked.Id);
            Assert.Equal((MessageStatuses.Failed, 40164), (failed.Status, failed.LastErrCode));
            Assert.Contains("127.0.0.1", failed.LastError);
            var paused = await host.Gateway.GetMessageAsync(waiting.Id);
            Assert.Equal((MessageStatuses.Queued, 0), (paused.Status, paused.Attempts));
            Assert.True(paused.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(4), $"next attempt {paused.NextAttemptAt}");
            Assert.Equal(1, await fixture.TokenFetchesAsync() - fetchesBefore);
            Assert.Empty(await fixture.ReceivedAsync(openId));
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task RateLimit_SendsNoMoreThanMaxPerMinuteAcrossRuns()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        var connection = database.Database.ServiceConnectionString;
        var limit = new Dictionary<string, string?> { ["Push:MaxPerMinute"] = "5" };
        await using var first = await PushTestHost.StartAsync(fixture, limit, connection);
        await using var second = await PushTestHost.StartAsync(fixture, limit, connection);
        var openId = await fixture.AddUserAsync(database: database);
        for (var i = 0; i < 8; i++)
        {
            await first.SendTemplateAsync(openId, customer: $"客户{i}");
        }

        var sendsBefore = await fixture.TemplateSendsAsync();
        await Task.WhenAll(first.DeliverAsync(), second.DeliverAsync());
        await first.DeliverAsync();

        var all = (await first.Gateway.ListMessagesAsync(limit: 200)).Items;
        Assert.Equal(5, all.Count(m => m.Status == MessageStatuses.Sent));
        Assert.Equal(3, all.Count(m => m.Status == MessageStatuses.Queued));
        Assert.Equal(5, await fixture.TemplateSendsAsync() - sendsBefore);
        Assert.Equal(5, (await fixture.ReceivedAsync(openId)).Count);
    }
}

/// <summary>The shared token's expiry: refreshed before WeChat's lifetime ends, and at once when WeChat says 42001.</summary>
public class TokenExpiryTests(ShortTokenSimulatorFixture fixture) : IClassFixture<ShortTokenSimulatorFixture>
{
    [Fact]
    public async Task TokenPastItsLifetime_IsRefreshedBeforeSending()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        await using var host = await PushTestHost.StartAsync(fixture, database: database.Database.ServiceConnectionString);
        var openId = await fixture.AddUserAsync(database: database);
        await host.SendTemplateAsync(openId);
        await host.DeliverAsync();
        var fetchesBefore = await fixture.TokenFetchesAsync();

        await Task.Delay(TimeSpan.FromSeconds(4.5)); // Note: the simulator's tokens live 4 s.
        var later = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();

        Assert.Equal(MessageStatuses.Sent, (await host.Gateway.GetMessageAsync(later.Id)).Status);
        Assert.True(await fixture.TokenFetchesAsync() > fetchesBefore);
        Assert.False((await fixture.StatsAsync()).GetProperty("errors").TryGetProperty("42001", out _), "no send should meet an expired token");
        Assert.Equal(2, (await fixture.ReceivedAsync(openId)).Count);
    }

    [Fact]
    public async Task TokenWeChatCallsExpired_IsRefreshedAndTheSendRepeatedOnce()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        await using var host = await PushTestHost.StartAsync(fixture, database: database.Database.ServiceConnectionString);
        var openId = await fixture.AddUserAsync(database: database);
        await host.SendTemplateAsync(openId);
        await host.DeliverAsync();

        await Task.Delay(TimeSpan.FromSeconds(4.5));
        // Note: the gateway still believes its token good for an hour; WeChat answers 42001.
        await database.Database.ExecuteAsync("UPDATE access_tokens SET expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR, fetched_at = UTC_TIMESTAMP(6)");
        var forcedBefore = await fixture.ForcedRefreshesAsync();
        var later = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();

        // Note: an expired token is renewed by a normal stable_token call; a forced refresh (20 a day) is not spent on it.
        Assert.Equal(0, await fixture.ForcedRefreshesAsync() - forcedBefore);

        var status = await host.Gateway.GetMessageAsync(later.Id);
        Assert.Equal((MessageStatuses.Sent, 1), (status.Status, status.Attempts));
        Assert.True((await fixture.StatsAsync()).GetProperty("errors").TryGetProperty("42001", out _));
        Assert.Equal(2, (await fixture.ReceivedAsync(openId)).Count);
        await using var db = database.CreateContext();
        Assert.True((await db.AccessTokens.SingleAsync()).ExpiresAt < DateTimeOffset.UtcNow.AddMinutes(1));
    }
}

/// <summary>A token WeChat rejects (40001): one forced refresh, never two within 30 s across pollers on one database.</summary>
public class ForcedRefreshTests(ForceRefreshSimulatorFixture fixture) : IClassFixture<ForceRefreshSimulatorFixture>
{
    [Fact]
    public async Task RejectedToken_ForcesOneRefresh_ASecondRejectionWithin30SecondsOnAnotherPollerDoesNotForceAgain()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        var connection = database.Database.ServiceConnectionString;
        await using var first = await PushTestHost.StartAsync(fixture, database: connection);
        await using var second = await PushTestHost.StartAsync(fixture, database: connection);
        var openId = await fixture.AddUserAsync(database: database);
        await first.SendTemplateAsync(openId);
        await first.DeliverAsync();
        var forcedBefore = await fixture.ForcedRefreshesAsync();

        // Note: the gateway holds a token WeChat no longer accepts (as after a leak and a refresh elsewhere): 40001.
        await database.Database.ExecuteAsync("UPDATE access_tokens SET token = 'revoked-token-1', expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR");
        var afterFirst = await first.SendTemplateAsync(openId);
        await first.DeliverAsync();
        await database.Database.ExecuteAsync("UPDATE access_tokens SET token = 'revoked-token-2', expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR");
        var afterSecond = await second.SendTemplateAsync(openId);
        await second.DeliverAsync();

        Assert.Equal(1, await fixture.ForcedRefreshesAsync() - forcedBefore);
        Assert.Equal(MessageStatuses.Sent, (await first.Gateway.GetMessageAsync(afterFirst.Id)).Status);
        Assert.Equal(MessageStatuses.Sent, (await second.Gateway.GetMessageAsync(afterSecond.Id)).Status);
        Assert.Equal(3, (await fixture.ReceivedAsync(openId)).Count);
        await using var db = database.CreateContext();
        Assert.NotNull((await db.AccessTokens.SingleAsync()).ForcedAt);
    }
}

/// <summary>An account that may not send templates (an unverified 订阅号): 48001 is final, with the requirement named.</summary>
public class AccountPermissionTests(UnverifiedSubscriptionSimulatorFixture fixture) : IClassFixture<UnverifiedSubscriptionSimulatorFixture>
{
    [Fact]
    public async Task Template_On48001_FailsOnceWithTheAccountRequirement_AndIsNotRetried()
    {
        await using var database = await SimulatorFixture.NewDatabaseAsync();
        await using var host = await PushTestHost.StartAsync(fixture, database: database.Database.ServiceConnectionString);
        var openId = await fixture.AddUserAsync(database: database);
        var message = await host.SendTemplateAsync(openId);
        await host.DeliverAsync();
        await host.DeliverAsync();

        var status = await host.Gateway.GetMessageAsync(message.Id);
        Assert.Equal((MessageStatuses.Failed, 48001, 1), (status.Status, status.LastErrCode, status.Attempts));
        Assert.Contains("模板消息需要已认证的服务号", status.LastError);
        Assert.Equal(1, (await fixture.StatsAsync()).GetProperty("errors").GetProperty("48001").GetInt64()); // asked once, not again
        Assert.Empty(await fixture.ReceivedAsync(openId));
    }
}
