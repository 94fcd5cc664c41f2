using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// The real WeChat simulator as a process (the one party the tests replace: WeChat) and a migrated gateway database of
/// its own, shared by the tests of one class. Subclasses set the simulator's settings.
/// </summary>
public class SimulatorFixture(IReadOnlyDictionary<string, string>? simulatorSettings = null)
    : SimulatorFixtureBase(AppId, AppSecret, simulatorSettings, "push"), IAsyncLifetime
{
    public const string AppId = "wx_push_test_app";
    public const string AppSecret = "push_test_app_secret_0123456789";

    private readonly GatewayDatabaseFixture _database = new();

    public GatewayDatabaseFixture Database => _database;

    /// <summary>The simulator's base address (<see cref="SimulatorFixtureBase.Address"/>).</summary>
    public Uri SimulatorAddress => Address;

    public override async Task InitializeAsync() => await Task.WhenAll(_database.InitializeAsync(), base.InitializeAsync());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>A migrated gateway database of its own (no token, no messages) for one test; dispose it at the end.</summary>
    public static async Task<GatewayDatabaseFixture> NewDatabaseAsync()
    {
        var database = new GatewayDatabaseFixture();
        await database.InitializeAsync();
        return database;
    }

    /// <summary>A new WeChat user known to the simulator (following, no interaction yet) and to the gateway's directory.</summary>
    public async Task<string> AddUserAsync(string nickname = "推送用户", bool inSimulator = true, bool unsubscribedInGateway = false, GatewayDatabaseFixture? database = null)
    {
        var openId = "o_push_" + Guid.NewGuid().ToString("N")[..16];
        if (inSimulator)
        {
            await AddSimulatorUserAsync(openId, nickname);
        }

        await using var db = (database ?? Database).CreateContext();
        var now = DateTimeOffset.UtcNow;
        db.Users.Add(new WeixinUserEntry
        {
            OpenId = openId,
            Nickname = nickname,
            FirstSeenAt = now,
            LastSeenAt = now,
            Subscribed = !unsubscribedInGateway,
            UnsubscribedAt = unsubscribedInGateway ? now : null,
        });
        await db.SaveChangesAsync();
        return openId;
    }

    /// <summary>
    /// Sets the user's side in the simulator: following or not, and/or a fresh interaction of <paramref name="kind"/>
    /// (<c>message</c>: 5 customer-service messages within 48 h; <c>click</c>, <c>follow</c>, <c>scan</c>: 3 within 1 minute).
    /// </summary>
    public async Task SetConversationAsync(string openId, bool? following = null, bool interacted = false, string kind = "message")
    {
        using var http = Client();
        using var response = await http.PostAsJsonAsync($"/sim/users/{openId}/conversation", new { following, interacted, kind });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The simulator's counters.</summary>
    public async Task<JsonElement> StatsAsync()
    {
        using var http = Client();
        return await http.GetFromJsonAsync<JsonElement>("/sim/stats");
    }

    /// <summary>Token fetches (cgi-bin/token + stable_token) so far.</summary>
    public async Task<long> TokenFetchesAsync() => (await StatsAsync()).GetProperty("tokenFetches").GetInt64();

    /// <summary>stable_token calls with force_refresh=true so far.</summary>
    public async Task<long> ForcedRefreshesAsync() => (await StatsAsync()).GetProperty("forcedRefreshes").GetInt64();

    /// <summary>message/template/send calls so far.</summary>
    public async Task<long> TemplateSendsAsync() => (await StatsAsync()).GetProperty("templateSends").GetInt64();

    /// <summary>Changes the simulated account's type (<c>PUT /sim/account-type</c>), as upgrading the 公众号 would.</summary>
    public async Task SetAccountTypeAsync(string accountType)
    {
        using var http = Client();
        using var response = await http.PutAsJsonAsync("/sim/account-type", new { accountType });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Injects faults (<c>POST /sim/faults</c>).</summary>
    public async Task FaultAsync(object fault)
    {
        using var http = Client();
        using var response = await http.PostAsJsonAsync("/sim/faults", fault);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Clears the faults.</summary>
    public async Task ClearFaultsAsync()
    {
        using var http = Client();
        using var response = await http.DeleteAsync("/sim/faults");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>One outbox row as stored.</summary>
    public async Task<OutboxMessage> RowAsync(long id)
    {
        await using var db = Database.CreateContext();
        return await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    /// <summary>
    /// Stores a token the simulator never issued, valid for an hour as far as the gateway knows (as after a leak and a
    /// forced refresh elsewhere): the next call meets 40001. No forced refresh is on record, so one may follow at once.
    /// </summary>
    public Task StoreRejectedTokenAsync() => ExecuteAsync(
        $"INSERT INTO access_tokens (app_id, token, expires_at, fetched_at, forced_at) VALUES ('{AppId}', 'revoked-token', UTC_TIMESTAMP(6) + INTERVAL 1 HOUR, UTC_TIMESTAMP(6), NULL) " +
        "ON DUPLICATE KEY UPDATE token = VALUES(token), expires_at = VALUES(expires_at), fetched_at = VALUES(fetched_at), forced_at = NULL");

    /// <summary>Runs SQL as admin on the gateway database (to play a crash or the passing of time).</summary>
    public Task ExecuteAsync(string sql) => Database.Database.ExecuteAsync(sql);
}

/// <summary>The simulator with its defaults.</summary>
public sealed class DefaultSimulatorFixture() : SimulatorFixture();

/// <summary>The simulator with access_tokens that live 4 seconds.</summary>
public sealed class ShortTokenSimulatorFixture() : SimulatorFixture(new Dictionary<string, string> { ["Simulator__AccessTokenLifetime"] = "00:00:04" });

/// <summary>The simulator as an unverified 订阅号 (a personal account): templates, customer service and OAuth answer 48001.</summary>
public sealed class UnverifiedSubscriptionSimulatorFixture() : SimulatorFixture(new Dictionary<string, string> { ["Simulator__AccountType"] = "UnverifiedSubscription" });

/// <summary>The simulator with its defaults, for tests that force refreshes (state the other classes must not see).</summary>
public sealed class ForceRefreshSimulatorFixture() : SimulatorFixture();
