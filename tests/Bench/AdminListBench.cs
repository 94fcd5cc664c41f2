using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Bench;

/// <summary>
/// The admin history list on a large table: a throwaway database with N items (default 100,000) spread over 30 days,
/// the real PublicInbox process, a signed-in admin; each list variant timed over several runs (whole HTTP round trip).
/// Usage: Bench admin-list [items=100000] [runs=20]
/// </summary>
public static partial class AdminListBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        await using var database = await ThrowawayDatabase.CreateAsync("benchadm");
        await ServiceProcess.RunToCompletionAsync("PublicInbox", new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = database.AdminConnectionString }, "migrate");

        var watch = Stopwatch.StartNew();
        await SeedAsync(database, count);
        Console.WriteLine($"Inserted {count:N0} items over 30 days in {watch.Elapsed.TotalSeconds:F1} s");

        const string password = "bench-admin-password";
        var port = TestEnvironment.FreePort();
        await using var inbox = new ServiceProcess("inbox", "PublicInbox", port, new Dictionary<string, string>
        {
            ["ConnectionStrings__Inbox"] = database.ServiceConnectionString,
            ["Inbox__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Inbox__AllowedRedirectPrefixes__0"] = "http://127.0.0.1:5300/",
            ["Inbox__RetryLoginUrl"] = "http://127.0.0.1:5300/login/weixin",
            ["Inbox__WeixinToken"] = "benchtoken",
            ["PollerSigning__Keys__0"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["Admin__Users__0__Name"] = "bench",
            ["Admin__Users__0__PasswordHash"] = new PasswordHasher<object>().HashPassword(new object(), password),
            ["Retention__Enabled"] = "false",
            ["Serilog__MinimumLevel__Default"] = "Warning",
        }, "bench-admin");
        await inbox.StartAsync();

        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = inbox.BaseAddress };
        var form = await http.GetStringAsync("/admin/login");
        var token = TokenPattern().Match(form).Groups[1].Value;
        using (var signIn = await http.PostAsync("/admin/login", new FormUrlEncodedContent([new("__af", token), new("name", "bench"), new("password", password)])))
        {
            if (signIn.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"Sign-in answered {(int)signIn.StatusCode}");
            }
        }

        var minId = Convert.ToInt64(await database.ScalarAsync("SELECT MIN(id) FROM inbox_items"), CultureInfo.InvariantCulture);
        var tenDaysAgo = DateTime.UtcNow.AddDays(-10).AddHours(8); // China time in the filter
        var from = tenDaysAgo.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        var to = tenDaysAgo.AddHours(1).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        var variants = new (string Name, string Path)[]
        {
            ("first page (newest 50)", "/admin/items"),
            ("filtered: kind=message&status=failed", "/admin/items?kind=message&status=failed"),
            ("filtered: kind=oauth, one hour 10 days ago", $"/admin/items?kind=oauth&from={from}&to={to}"),
            ("filtered: one user's openid", "/admin/items?who=oBench0042"),
            ("deep page (before the 1,000th oldest id)", $"/admin/items?before={minId + 1000}"),
            ("free text, 0.1% of bodies match", "/admin/items?text=" + Uri.EscapeDataString("发票 needle")),
            ("free text, no body matches (full scan)", "/admin/items?text=nothing-matches-this"),
        };

        Console.WriteLine($"PublicInbox list page, {count:N0} items, {runs} runs each after 3 warm-ups (whole HTTP round trip, HTML rendered):");
        foreach (var (name, path) in variants)
        {
            for (var i = 0; i < 3; i++)
            {
                await GetAsync(http, path);
            }

            var samples = new List<double>();
            var rows = 0;
            for (var i = 0; i < runs; i++)
            {
                var t = Stopwatch.StartNew();
                var html = await GetAsync(http, path);
                samples.Add(t.Elapsed.TotalMilliseconds);
                rows = RowPattern().Count(html);
            }

            Latency.Report($"  {name} [{rows} rows]", samples);
        }

        return 0;
    }

    private static async Task<string> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}");
        }

        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// A realistic month: 40% logins, 45% messages, 15% events; ~93% done, 3% failed, 3% expired; bodies ~300 bytes
    /// of XML, one in a thousand containing the searched word; 200 users.
    /// </summary>
    private static async Task SeedAsync(ThrowawayDatabase database, int count)
    {
        const int chunk = 20_000;
        var seconds = 30.0 * 24 * 3600 / count;
        for (var start = 0; start < count; start += chunk)
        {
            var size = Math.Min(chunk, count - start);
            await database.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO inbox_items (kind, status, received_at, claimed_at, completed_at, failed_at, expired_at, deadline, correlation_id, attempts, leased_by,
                                         open_id, oauth_code, oauth_state, remote_ip, user_agent, outcome, error, body, reply_body, wx_timestamp, wx_nonce, wait_state)
                SELECT k.kind, k.status, k.at, k.at + INTERVAL 120000 MICROSECOND,
                       IF(k.status = 'done', k.at + INTERVAL (250000 + (k.n % 97) * 9000) MICROSECOND, NULL),
                       IF(k.status = 'failed', k.at + INTERVAL 2 SECOND, NULL),
                       IF(k.status = 'expired', k.at + INTERVAL 60 SECOND, NULL),
                       k.at + INTERVAL 60 SECOND, LPAD(HEX(k.n), 16, '0'), 1 + (k.status = 'failed'),
                       IF(k.status = 'expired', NULL, ELT(1 + k.n % 3, 'poller-a', 'poller-b', 'poller-c')),
                       IF(k.kind = 'oauth', NULL, CONCAT('oBench', LPAD(CRC32(k.n * 3) % 200, 4, '0'))),
                       IF(k.kind = 'oauth', CONCAT('0', LPAD(HEX(k.n * 7919), 31, 'a')), NULL),
                       IF(k.kind = 'oauth', CONCAT('st', LPAD(HEX(k.n * 104729), 30, 'b')), NULL),
                       CONCAT('203.0.113.', k.n % 250),
                       IF(k.kind = 'oauth', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47', NULL),
                       IF(k.status = 'done', IF(k.kind = 'oauth', 'ticket_issued', 'replied'), NULL),
                       IF(k.status = 'failed', 'CRM hook answered 503', NULL),
                       IF(k.kind = 'oauth', NULL, CONCAT('<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench', LPAD(CRC32(k.n * 3) % 200, 4, '0'),
                           ']]></FromUserName><CreateTime>1764000000</CreateTime><MsgType><![CDATA[', IF(k.kind = 'event', 'event', 'text'),
                           ']]></MsgType><Content><![CDATA[', IF(CRC32(k.n * 5) % 1000 = 7, '请开发票 needle', CONCAT('客户 ', k.n % 31)), ']]></Content><MsgId>', k.n, '</MsgId></xml>')),
                       IF(k.kind = 'oauth' OR k.status <> 'done', NULL, '<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[找到 3 个客户]]></Content></xml>'),
                       IF(k.kind = 'oauth', NULL, '1764000000'), IF(k.kind = 'oauth', NULL, 'nonce'),
                       IF(k.kind = 'oauth', NULL, 'answered')
                FROM (SELECT seq AS n,
                             UTC_TIMESTAMP(6) - INTERVAL ROUND(({count} - seq) * {seconds:F3} * 1000000) MICROSECOND AS at,
                             CASE WHEN seq % 20 < 8 THEN 'oauth' WHEN seq % 20 < 17 THEN 'message' ELSE 'event' END AS kind,
                             CASE WHEN CRC32(seq) % 100 < 3 THEN 'failed' WHEN CRC32(seq) % 100 < 6 THEN 'expired' WHEN seq > {count} - 3 THEN 'pending' ELSE 'done' END AS status
                      FROM seq_{start + 1}_to_{start + size}) AS k
                """));
        }

        await database.ExecuteAsync("ANALYZE TABLE inbox_items");
    }

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("<tr><td><a href=\"/admin/items/")]
    private static partial Regex RowPattern();
}
