using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// <c>crm-returning</c>: a returning user (WeChat already bound) on a phone in Chromium, from the tap on 「微信登录」 to
/// the signed-in customers list. The simulator's consent is clicked as soon as it shows (real WeChat skips it for
/// followers coming from the 公众号 menu). Each run is a fresh browser profile, so nothing is cached.
/// </summary>
internal static class CrmReturningBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var interval = args.Length > 1 ? TimeSpan.Parse(args[1], CultureInfo.InvariantCulture) : TimeSpan.FromSeconds(1);
        Console.WriteLine($"Starting simulator, inbox, poller (poll interval {interval}), CrmApp on MariaDB…");
        // Note: each run is a fresh browser profile, i.e. a device new for the user, which Login:ConfirmNewDevice would
        // stop at the number; this measures the one-tap path of a known device, so the confirmation is off here.
        await using var system = await CrmSystem.StartAsync("bench-crm", new LoginSystemSettings { PollInterval = interval },
            new Dictionary<string, string> { ["Login__ConfirmNewDevice"] = "false" });
        var openId = await system.AddWeixinUserAsync("回访压测");
        await system.CreateAccountAsync(CrmSystem.NewUserName("bench"), "压测用户", "Bench2024pass", weixinOpenId: openId);

        await using var chromium = await Chromium.LaunchAsync();

        // Warm-up: JIT, connection pools, Chromium; not measured.
        for (var i = 0; i < 2; i++)
        {
            await OnceAsync();
        }

        var samples = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var ms = await OnceAsync();
            samples.Add(ms);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {i + 1,2}: {ms:F0} ms"));
        }

        Latency.Report($"returning user, tap 「微信登录」 → signed-in home (poll interval {interval})", samples);
        return 0;

        async Task<double> OnceAsync()
        {
            var page = await chromium.NewPhoneAsync();
            await page.GotoAsync(new Uri(system.BaseAddress, "/login").AbsoluteUri);
            var watch = Stopwatch.StartNew();
            await page.ClickAsync("#weixin-login");
            await page.WaitForURLAsync("**/connect/oauth2/authorize?**");
            await page.CheckAsync($"input[name=sim_user][value='{openId}']");
            await page.ClickAsync("button.allow");
            await page.WaitForURLAsync(new Uri(system.BaseAddress, "/customers").AbsoluteUri, new PageWaitForURLOptions { Timeout = 30_000 });
            await page.WaitForSelectorAsync("#welcome");
            watch.Stop();
            await page.Context.CloseAsync();
            return watch.Elapsed.TotalMilliseconds;
        }
    }
}
