using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;
using Xunit.Abstractions;

namespace Weixin.Inbox.Production.Tests.Galera;

/// <summary>
/// Issue 15 item 7: the inbox on an existing distributed database, a three-node MariaDB Galera cluster from Debian's
/// packages. Two inbox instances write through different nodes (node2, node3; node1 takes the migrations), two pollers
/// work them, WeChat's simulator posts safe-mode messages through one callback URL spread over both instances, and
/// browsers return from OAuth with announced states. Mid-load node2 is SIGKILLed while its inbox keeps running.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed partial class GaleraClusterTests(ITestOutputHelper output)
{
    private const string AppId = "wx_sim_app_0001";
    private const string AppSecret = "sim_app_secret_for_local_tests_only";
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(24);
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Killing_one_node_mid_load_loses_no_acknowledged_callback_and_answers_no_message_twice()
    {
        await using var cluster = await GaleraCluster.StartAsync();
        Assert.Equal("3", await cluster.StatusAsync(1, "wsrep_cluster_size"));
        await AssertCertificationConflictIsDeadlockAsync(cluster);
        await ServiceProcess.RunToCompletionAsync("PublicInbox",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = cluster.AdminConnection(1) }, "migrate");

        // Note: the pollers' gateway database stays on the shared 3307 instance: in production it is the LAN's own
        // MySQL (docs/DEPLOY.md), separate from the inbox's; the cluster is what the public side writes through.
        await using var gateway = await ThrowawayDatabase.CreateAsync("galera_gw");
        await ServiceProcess.RunToCompletionAsync("IntranetPoller",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = gateway.AdminConnectionString }, "migrate");

        var pollerKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var hookKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var weixinToken = "tok" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var aesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
        await using var landing = await LandingApp.StartAsync(hookKey);
        var appBase = landing.BaseAddress;
        var simPort = TestEnvironment.FreePort();
        int[] inboxPorts = [TestEnvironment.FreePort(), TestEnvironment.FreePort()];
        int[] inboxNodes = [2, 3];
        const int KilledNode = 2;
        await using var proxy = await RoundRobinProxy.StartAsync([.. inboxPorts.Select(p => (Func<Uri>)(() => new Uri($"http://127.0.0.1:{p}/")))]);

        await using var simulator = new ServiceProcess("simulator", "WeixinSimulator", simPort, new Dictionary<string, string>
        {
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
            ["Simulator__Token"] = weixinToken,
            ["Simulator__EncodingAESKey"] = aesKey,
            ["Simulator__CallbackUrl"] = new Uri(proxy.BaseAddress, "/wx/callback").ToString(),
            ["Simulator__OAuthDomains__0"] = "127.0.0.1",
        }, "galera");

        var inboxes = inboxPorts.Select((port, i) => new ServiceProcess($"inbox{i + 1}-node{inboxNodes[i]}", "PublicInbox", port, new Dictionary<string, string>
        {
            ["ConnectionStrings__Inbox"] = cluster.ServiceConnection(inboxNodes[i]),
            ["Inbox__PublicBaseUrl"] = proxy.BaseAddress.ToString().TrimEnd('/'),
            ["Inbox__AllowedRedirectPrefixes__0"] = appBase.ToString(),
            ["Inbox__RetryLoginUrl"] = new Uri(appBase, "/login/weixin").ToString(),
            ["Inbox__LoginTimeout"] = "00:00:30",
            // Note: short leases, so items a poller claimed through the dead node's inbox come back within the test.
            ["Inbox__LeaseDuration"] = "00:00:05",
            ["Inbox__SweepInterval"] = "00:00:01",
            ["Inbox__WeixinToken"] = weixinToken,
            ["Metrics__GaugeRefreshInterval"] = "00:00:00",
            ["PollerSigning__Keys__0"] = pollerKey,
        }, "galera")).ToArray();

        var pollers = inboxPorts.Select((port, i) => new ServiceProcess($"poller{i + 1}", "IntranetPoller", TestEnvironment.FreePort(), new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = gateway.ServiceConnectionString,
            ["Poller__InboxBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Poller__Interval"] = "00:00:00.500",
            ["Metrics__GaugeRefreshInterval"] = "00:00:00",
            ["PollerSigning__Keys__0"] = pollerKey,
            ["GatewaySigning__Clients__0__Id"] = "crm",
            ["GatewaySigning__Clients__0__Keys__0"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["Weixin__AppId"] = AppId,
            ["Weixin__AppSecret"] = AppSecret,
            ["Weixin__ApiBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["Weixin__OpenBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["OAuth__CallbackUrl"] = new Uri(proxy.BaseAddress, "/wx/oauth/callback").ToString(),
            ["OAuth__AllowedReturnPrefixes__0"] = appBase.ToString(),
            ["OAuth__DefaultErrorUrl"] = new Uri(appBase, "/login").ToString(),
            ["Weixin__Token"] = weixinToken,
            ["Weixin__EncodingAESKey"] = aesKey,
            ["Messages__LoginUrl"] = new Uri(appBase, "/login/weixin").ToString(),
            ["CrmHook__BaseUrl"] = appBase.ToString().TrimEnd('/'),
            ["CrmHook__SigningKeys__0"] = hookKey,
        }, "galera")).ToArray();

        try
        {
            await Task.WhenAll([simulator.StartAsync(), .. inboxes.Select(i => i.StartAsync())]);
            await Task.WhenAll(pollers.Select(p => p.StartAsync()));
            await RunLoadAndCheckAsync(cluster, simulator, inboxes, pollerKey, KilledNode);
        }
        finally
        {
            foreach (var process in pollers.Concat(inboxes))
            {
                await process.DisposeAsync();
            }
        }
    }

    private async Task RunLoadAndCheckAsync(GaleraCluster cluster, ServiceProcess simulator, ServiceProcess[] inboxes, string pollerKey, int killedNode)
    {
        using var sim = new HttpClient { BaseAddress = simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var users = new string[12];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = "o_g_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            using var added = await sim.PostAsJsonAsync("/sim/users", new { openId = users[i], nickname = $"集群{i}", unionId = "u_" + users[i] });
            added.EnsureSuccessStatusCode();
        }

        var clock = Stopwatch.StartNew();
        var killedAt = TimeSpan.Zero;
        var messages = new ConcurrentBag<(string User, string Tag, string Via, int Attempts)>();
        var acknowledged = new ConcurrentBag<(long Id, int Inbox, TimeSpan At)>();
        var refused = new ConcurrentBag<(int Inbox, int Status, TimeSpan At)>();
        using var stop = new CancellationTokenSource(LoadDuration);

        var messageLoad = users.Select(async (user, u) =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var tag = $"{u}-{n}";
                using var response = await sim.PostAsJsonAsync($"/sim/users/{user}/messages", new { type = "text", content = $"客户 #{tag}", mode = "aes" });
                var delivery = await response.Content.ReadFromJsonAsync<SimulatedDelivery>();
                messages.Add((user, tag, delivery!.Via, delivery.Attempts));
            }
        });

        // Note: each login's state is announced (signed, as the gateway does) through one instance and comes back through
        // the other, so a state written on one node is consumed on another.
        using var signed0 = SignedClients.Poller(pollerKey, inboxes[0].BaseAddress);
        using var signed1 = SignedClients.Poller(pollerKey, inboxes[1].BaseAddress);
        HttpClient[] signed = [signed0, signed1];
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var oauthLoad = Enumerable.Range(0, 4).Select(async worker =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var via = (worker + n) % 2;
                var state = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
                try
                {
                    await StateAnnouncements.AnnounceAsync(signed[1 - via], state);
                }
                catch (HttpRequestException)
                {
                    // The announcing instance's node is gone: a gateway would announce through the other one.
                    await StateAnnouncements.AnnounceAsync(signed[via], state);
                }

                var at = clock.Elapsed;
                using var response = await browser.GetAsync(new Uri(inboxes[via].BaseAddress, $"/wx/oauth/callback?code=CODE{worker}x{n}&state={state}"));
                if ((int)response.StatusCode is >= 200 and < 400)
                {
                    var id = long.Parse(WaitPath().Match(response.Headers.Location!.ToString()).Groups[1].Value, CultureInfo.InvariantCulture);
                    acknowledged.Add((id, via, at));
                }
                else
                {
                    refused.Add((via, (int)response.StatusCode, at));
                }

                await Task.Delay(20);
            }
        });

        var kill = Task.Run(async () =>
        {
            await Task.Delay(KillAfter);
            GaleraCluster.Kill(killedNode);
            killedAt = clock.Elapsed;
        });

        await Task.WhenAll([.. messageLoad, .. oauthLoad, kill]);
        Assert.True(inboxes.All(i => i.IsRunning), "both inbox instances must still run (the killed one is the database node)");
        Assert.Equal("2", await cluster.StatusAsync(1, "wsrep_cluster_size"));
        Assert.Equal("Synced", await cluster.StatusAsync(3, "wsrep_local_state_comment"));

        // Every item an instance acknowledged reaches a final state on the surviving nodes (the killed node's inbox's
        // claims come back when their 5 s leases end; logins time out after 30 s).
        var ids = acknowledged.Select(a => a.Id).ToList();
        var idList = string.Join(',', ids);
        List<Dictionary<string, object?>> rows = [];
        var deadline = DateTime.UtcNow.AddSeconds(75);
        while (true)
        {
            rows = await cluster.QueryAsync(1, $"SELECT id, status FROM inbox_items WHERE kind = 'oauth' AND id IN ({idList})");
            var open = await cluster.QueryAsync(1, "SELECT COUNT(*) AS n FROM inbox_items WHERE status IN ('pending', 'leased')");
            if (Convert.ToInt64(open[0]["n"], CultureInfo.InvariantCulture) == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(1000);
        }

        var acknowledgedAfterKill = acknowledged.Count(a => a.At > killedAt);
        var byStatus = rows.GroupBy(r => (string)r["status"]!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"node{killedNode} killed at {killedAt.TotalSeconds:F1} s; OAuth callbacks acknowledged {ids.Count} ({acknowledgedAfterKill} after the kill), refused {refused.Count} " +
            $"({string.Join(", ", refused.GroupBy(r => $"inbox{r.Inbox + 1} {r.Status}").Select(g => $"{g.Key}: {g.Count()}"))}); final states {string.Join(", ", byStatus.Select(kv => $"{kv.Key} {kv.Value}"))}");

        Assert.True(ids.Count > 20, $"too few OAuth callbacks acknowledged to mean anything: {ids.Count}");
        Assert.True(acknowledgedAfterKill > 5, $"the surviving instance should keep acknowledging after the kill: {acknowledgedAfterKill}");
        Assert.True(refused.Any(r => r.Inbox == 0 && r.At > killedAt), "the instance on the killed node should have refused callbacks after the kill");
        // Note: a refusal other than 503 (stored nothing, try again) would mean a node did not yet see a state announced
        // through another one: the causal reads of db/galera (wsrep_sync_wait=1) are what prevents that.
        Assert.All(refused, r => Assert.Equal(503, r.Status));
        Assert.Equal(ids.Count, rows.Count);
        Assert.All(rows, r => Assert.Contains((string)r["status"]!, new[] { "done", "failed", "expired" }));
        var onNode3 = await cluster.QueryAsync(3, $"SELECT COUNT(*) AS n FROM inbox_items WHERE id IN ({idList})");
        Assert.Equal(ids.Count, Convert.ToInt32(onNode3[0]["n"], CultureInfo.InvariantCulture));

        // Claims stayed exclusive: no item reached an end (completed or failed) twice.
        var twiceEnded = await cluster.QueryAsync(1, """
            SELECT item_id, COUNT(*) AS n FROM inbox_item_events WHERE type IN ('completed', 'failed')
            GROUP BY item_id HAVING COUNT(*) > 1
            """);
        Assert.True(twiceEnded.Count == 0, $"items ended twice: {string.Join(", ", twiceEnded.Select(r => r["item_id"]))}");

        // No message answered twice, counting passive replies and customer-service messages alike (the latter go out
        // after the item is done, so the replies are read until they stop coming).
        var all = messages.ToList();
        var answeredTwice = new List<string>();
        var answered = 0;
        var lastAnswered = -1;
        for (var settle = DateTime.UtcNow.AddSeconds(20); answered != lastAnswered && DateTime.UtcNow < settle;)
        {
            await Task.Delay(lastAnswered < 0 ? 0 : 2000);
            lastAnswered = answered;
            answered = 0;
            answeredTwice.Clear();
            foreach (var user in users)
            {
                var received = await sim.GetFromJsonAsync<System.Text.Json.JsonElement>($"/sim/users/{user}/received");
                var texts = received.EnumerateArray()
                    .Select(r => r.TryGetProperty("text", out var t) ? t.GetString() : null)
                    .Where(t => t is not null && t.Contains('#')).ToList();
                answered += texts.Distinct().Count();
                answeredTwice.AddRange(texts.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key!));
            }
        }

        var messageStatus = await cluster.QueryAsync(1, "SELECT status, COUNT(*) AS n FROM inbox_items WHERE kind = 'message' GROUP BY status");
        output.WriteLine($"messages sent {all.Count}: {string.Join(", ", all.GroupBy(m => m.Via).Select(g => $"{g.Key} {g.Count()}"))}; retried by WeChat {all.Count(m => m.Attempts > 1)}; " +
            $"distinct replies received {answered}; message items (one per WeChat attempt that was stored) {string.Join(", ", messageStatus.Select(r => $"{r["status"]} {r["n"]}"))}");
        Assert.True(answeredTwice.Count == 0, $"answered twice: {string.Join(", ", answeredTwice)}");
        Assert.True(all.Count >= users.Length, $"too few messages to mean anything: {all.Count}");
        // Every message WeChat saw answered was answered (once); messages WeChat gave up on may still be answered
        // later as customer-service messages, never twice.
        Assert.True(answered >= all.Count(m => m.Via is "passive" or "customer_service"), $"{answered} replies for {all.Count(m => m.Via is "passive" or "customer_service")} messages WeChat saw answered");

        // Galera's certification conflicts surface as deadlocks (1213) in the instances' logs.
        foreach (var inbox in inboxes)
        {
            var log = await inbox.ReadLogOfThisStartAsync(); // started once per test
            // Note: an unretried one is a 500 whose exception says "Deadlock found"; the line names the request it failed.
            var unretried = Regex.Matches(log, @"HTTP (\w+ \S+) responded 500[^\n]*\n(?:[^\[][^\n]*\n)*?[^\n]*Deadlock found")
                .GroupBy(m => Regex.Replace(m.Groups[1].Value, @"/\d+", "/{id}")).Select(g => $"{g.Key} ×{g.Count()}");
            output.WriteLine($"{inbox.Name}: deadlocks retried (ingest, claim, lease, completion) {Regex.Count(log, "met a deadlock")}; " +
                $"requests failed by a deadlock (1213, not retried): {string.Join(", ", unretried.DefaultIfEmpty("none"))}");
        }
    }

    /// <summary>
    /// What the inbox's retries rely on: row locks are local to a node, so two transactions changing one row through
    /// two nodes both proceed, and the one certified second fails with MariaDB's deadlock error (1213), nothing of it
    /// committed — the error <c>ItemIngest</c> retries.
    /// </summary>
    private static async Task AssertCertificationConflictIsDeadlockAsync(GaleraCluster cluster)
    {
        await cluster.AdminExecuteAsync(1, "", "CREATE TABLE galera_probe (id INT PRIMARY KEY, v INT NOT NULL); INSERT INTO galera_probe VALUES (1, 0);");
        await using var viaNode2 = new MySqlConnector.MySqlConnection(cluster.AdminConnection(2));
        await using var viaNode3 = new MySqlConnector.MySqlConnection(cluster.AdminConnection(3));
        await viaNode2.OpenAsync();
        await viaNode3.OpenAsync();
        await using var first = await viaNode2.BeginTransactionAsync();
        await using var second = await viaNode3.BeginTransactionAsync();
        await using (var update = new MySqlConnector.MySqlCommand("UPDATE galera_probe SET v = 2 WHERE id = 1", viaNode2, first))
        {
            await update.ExecuteNonQueryAsync();
        }

        // Note: node3 knows nothing of node2's uncommitted change, so this does not wait.
        await using (var update = new MySqlConnector.MySqlCommand("UPDATE galera_probe SET v = 3 WHERE id = 1", viaNode3, second))
        {
            await update.ExecuteNonQueryAsync();
        }

        await first.CommitAsync();
        var conflict = await Assert.ThrowsAsync<MySqlConnector.MySqlException>(() => second.CommitAsync());
        Assert.Equal(MySqlConnector.MySqlErrorCode.LockDeadlock, conflict.ErrorCode);
        var rows = await cluster.QueryAsync(3, "SELECT v FROM galera_probe WHERE id = 1");
        Assert.Equal(2, Convert.ToInt32(rows[0]["v"], CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"/wx/wait/(\d+)")]
    private static partial Regex WaitPath();
}
