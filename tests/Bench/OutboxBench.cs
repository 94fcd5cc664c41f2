using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// <c>outbox</c>: the push outbox's throughput. Starts the WeChat simulator and one IntranetPoller (gateway + outbox
/// job, no inbox) as processes on a throwaway MariaDB database, queues N template messages through the signed gateway
/// API, waits until every one is sent, and reports messages/s as the simulator received them and the access_token
/// fetches it answered.
/// Usage: Bench outbox [count=1000] [maxPerMinute=100000]
/// </summary>
internal static class OutboxBench
{
    private const string AppId = "wx_sim_app_0001";
    private const string AppSecret = "sim_app_secret_for_local_tests_only";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var maxPerMinute = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        await using var database = await TestDatabase.CreateAsync();
        var gatewayKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var simPort = TestEnvironment.FreePort();
        var pollerPort = TestEnvironment.FreePort();
        await ServiceProcess.RunToCompletionAsync("IntranetPoller",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(database.GatewayDatabase) }, "migrate");

        await using var simulator = new ServiceProcess("simulator", "WeixinSimulator", simPort, new Dictionary<string, string>
        {
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
            ["Logging__LogLevel__Default"] = "Warning",
        }, "bench-outbox");
        await using var poller = new ServiceProcess("poller", "IntranetPoller", pollerPort, new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = database.ServiceConnection(database.GatewayDatabase),
            ["Poller__Enabled"] = "false",
            ["GatewaySigning__Clients__0__Id"] = "crm",
            ["GatewaySigning__Clients__0__Keys__0"] = gatewayKey,
            ["PollerSigning__Keys__0"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), // Note: required even with polling off.
            ["Weixin__AppId"] = AppId,
            ["Weixin__AppSecret"] = AppSecret,
            ["Weixin__ApiBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["Weixin__OpenBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["OAuth__CallbackUrl"] = "http://127.0.0.1:5000/wx/oauth/callback",
            ["OAuth__AllowedReturnPrefixes__0"] = "http://127.0.0.1:5300/",
            ["OAuth__DefaultErrorUrl"] = "http://127.0.0.1:5300/login",
            ["Push__MaxPerMinute"] = maxPerMinute.ToString(CultureInfo.InvariantCulture),
            ["Serilog__MinimumLevel__Default"] = "Warning",
        }, "bench-outbox");
        Console.WriteLine($"Starting the simulator and one poller (Push:MaxPerMinute={maxPerMinute}) on MariaDB…");
        await simulator.StartAsync();
        await poller.StartAsync();

        using var sim = new HttpClient { BaseAddress = simulator.BaseAddress };
        const string openId = "o_bench_outbox";
        (await sim.PostAsJsonAsync("/sim/users", new { openId, nickname = "推送压测" })).EnsureSuccessStatusCode();
        var now = DateTime.UtcNow;
        await database.ExecuteAsync(database.GatewayDatabase, $"""
            INSERT INTO weixin_users (open_id, nickname, sex, first_seen_at, last_seen_at, login_count, subscribed)
            VALUES ('{openId}', '推送压测', 0, '{now:yyyy-MM-dd HH:mm:ss}', '{now:yyyy-MM-dd HH:mm:ss}', 0, 1)
            """);

        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<SigningOptions>("Crm").Configure(o =>
        {
            o.Keys = [gatewayKey];
            o.ClientId = "crm";
        });
        services.AddRefitGeneratedClient<IGatewayApi>(_ => RefitJson.Settings)
            .ConfigureHttpClient(c => c.BaseAddress = poller.BaseAddress)
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Crm", TimeProvider.System));
        await using var clients = services.BuildServiceProvider();
        var gateway = clients.GetRequiredService<IGatewayApi>();

        var before = await sim.GetFromJsonAsync<JsonElement>("/sim/stats");
        Console.WriteLine($"Queueing {count} template messages through the signed gateway API…");
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
            await gateway.SendMessageAsync(new SendMessageRequest($"bench-{i}", openId, new TemplateMessage("TPL_FOLLOW_UP",
                new Dictionary<string, TemplateField>
                {
                    ["thing1"] = new($"客户{i}"),
                    ["time2"] = new("2026-11-25 10:00"),
                    ["thing3"] = new("回访报价"),
                    ["thing4"] = new("压测"),
                }, $"http://127.0.0.1:5300/customers/{i}")), token));
        var queuedIn = watch.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Queued {count} in {queuedIn.TotalSeconds:F1} s ({count / queuedIn.TotalSeconds:F0}/s)"));

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var sent = (await gateway.ListMessagesAsync(MessageStatuses.Sent, 200)).Items.Count;
            var open = (await gateway.ListMessagesAsync(MessageStatuses.Queued, 1)).Items.Count + (await gateway.ListMessagesAsync(MessageStatuses.Sending, 1)).Items.Count;
            if (open == 0 && sent > 0)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                Console.Error.WriteLine("Not all messages were sent within 10 minutes.");
                return 1;
            }

            await Task.Delay(100);
        }

        var total = watch.Elapsed;
        var received = (await sim.GetFromJsonAsync<JsonElement>($"/sim/users/{openId}/received")).EnumerateArray()
            .Where(m => m.GetProperty("via").GetString() == "template")
            .Select(m => m.GetProperty("at").GetDateTimeOffset())
            .Order()
            .ToList();
        var after = await sim.GetFromJsonAsync<JsonElement>("/sim/stats");
        var failed = (await gateway.ListMessagesAsync(MessageStatuses.Failed, 200)).Items.Count + (await gateway.ListMessagesAsync(MessageStatuses.Dead, 200)).Items.Count;
        var span = received.Count > 1 ? (received[^1] - received[0]).TotalSeconds : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"messages={count} received by the simulator={received.Count} failed/dead={failed} template/send calls={after.GetProperty("templateSends").GetInt64() - before.GetProperty("templateSends").GetInt64()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput at the simulator: {received.Count / span:F0} messages/s (first to last arrival {span:F1} s); first queued to last sent {total.TotalSeconds:F1} s ({count / total.TotalSeconds:F0}/s end to end)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"access_token fetches: {after.GetProperty("tokenFetches").GetInt64()} (stable_token {after.GetProperty("stableTokenFetches").GetInt64()})"));
        return received.Count == count && failed == 0 ? 0 : 1;
    }
}
