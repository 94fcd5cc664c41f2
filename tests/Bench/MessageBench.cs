using System.Diagnostics;
using System.Globalization;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// Message benchmark: N text messages at R per second from simulated users through WeChat's simulator, the inbox,
/// the poller and the app's hook; reports the share answered passively (inside WeChat's 5 s) and the latency.
/// Usage: Bench messages [count=200] [perSecond=20] [pollInterval=00:00:01] [mode=aes]
/// </summary>
public static class MessageBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var perSecond = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        var interval = args.Length > 3 ? TimeSpan.Parse(args[3], CultureInfo.InvariantCulture) : TimeSpan.FromSeconds(1);
        var mode = args.Length > 4 ? args[4] : "aes";
        Console.WriteLine($"Starting simulator, inbox, poller (poll interval {interval}) on MariaDB…");
        // Note: measuring plaintext mode needs a poller that accepts it (it refuses plaintext by default when it holds the key).
        await using var system = await LoginSystem.StartAsync(
            new LoginSystemSettings { PollInterval = interval, PollerRequireSafeMode = mode == "plain" ? false : null }, "bench-messages");

        var users = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var openId = await system.AddWeixinUserAsync($"压测{i}");
            await system.SendAsUserAsync(openId, "subscribe", mode: mode);
            users.Add(openId);
        }

        Console.WriteLine($"Sending {count} messages at {perSecond}/s in {mode} mode…");
        var watch = Stopwatch.StartNew();
        var sends = new List<Task<(SimulatedDelivery Delivery, double Ms)>>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            if (due > watch.Elapsed)
            {
                await Task.Delay(due - watch.Elapsed);
            }

            var openId = users[i % users.Count];
            var n = i;
            sends.Add(Task.Run(async () =>
            {
                var started = Stopwatch.StartNew();
                var delivery = await system.SendAsUserAsync(openId, "text", $"客户 张 #{n}", mode: mode);
                return (delivery, started.Elapsed.TotalMilliseconds);
            }));
        }

        var results = await Task.WhenAll(sends);
        var passive = results.Where(r => r.Delivery.Via == "passive").Select(r => (double)r.Delivery.ElapsedMs).ToList();
        var customerService = results.Count(r => r.Delivery.Via == "customer_service");
        var none = results.Count(r => r.Delivery.Via is not ("passive" or "customer_service"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"messages={count} passive={passive.Count} ({100.0 * passive.Count / count:F1}%) customer_service={customerService} none={none} sent over {watch.Elapsed.TotalSeconds:F1} s"));
        Latency.Report("passive reply latency (as WeChat sees it)", passive);
        Latency.Report("all replies (passive or customer service)", results.Select(r => (double)r.Delivery.ElapsedMs).ToList());
        return none == 0 ? 0 : 1;
    }
}
