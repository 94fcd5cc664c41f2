using System.Net.Http.Json;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace Weixin.Inbox.PublicInbox.Tests.Health;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> of the real inbox process: the poller's contact is reported (never, silent, ok)
/// without taking the inbox out of the load balancer; only an unreachable database makes it not ready.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_ReportsThePollerNeverSilentOk_AndStaysReady()
    {
        await using var database = await ThrowawayDatabase.CreateAsync("rdy");
        await ServiceProcess.RunToCompletionAsync("PublicInbox", new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = database.AdminConnectionString }, "migrate");
        await using var inbox = StartInbox("inbox-ready", database.ServiceConnectionString);
        await inbox.StartAsync();
        using var http = new HttpClient { BaseAddress = inbox.BaseAddress };

        var never = await ReadyAsync(http);
        await database.ExecuteAsync("""
            INSERT INTO pollers (poller_id, first_seen_at, last_claim_at, last_claim_count)
            VALUES ('poller-a', UTC_TIMESTAMP(6) - INTERVAL 2 HOUR, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 0);
            """);
        var silent = await ReadyAsync(http);
        await database.ExecuteAsync("UPDATE pollers SET last_claim_at = UTC_TIMESTAMP(6) WHERE poller_id = 'poller-a';");
        var ok = await ReadyAsync(http);

        // Note: a silent or absent poller is reported, but the inbox stays ready: it must keep storing WeChat's callbacks.
        Assert.Equal((HttpStatusCode.OK, "degraded", "ok", "never"), (never.Status, never.Body["status"], never.Body["database"], never.Body["poller"]));
        Assert.False(never.Body.ContainsKey("pollerLastSeenAt"));
        Assert.Equal((HttpStatusCode.OK, "degraded", "ok", "silent"), (silent.Status, silent.Body["status"], silent.Body["database"], silent.Body["poller"]));
        Assert.InRange(DateTime.Parse(silent.Body["pollerLastSeenAt"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal),
            DateTime.UtcNow.AddHours(-1).AddMinutes(-1), DateTime.UtcNow.AddHours(-1).AddMinutes(1));
        Assert.EndsWith("Z", silent.Body["pollerLastSeenAt"], StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "ok", "ok", "ok"), (ok.Status, ok.Body["status"], ok.Body["database"], ok.Body["poller"]));
    }

    [Fact]
    public async Task DatabaseDown_ReadyzAnswers503_HealthzStaysOk()
    {
        var unreachable = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=none;User ID=nobody;Password=x;Connection Timeout=2";
        await using var inbox = StartInbox("inbox-nodb-ready", unreachable);
        await inbox.StartAsync();
        using var http = new HttpClient { BaseAddress = inbox.BaseAddress };

        var ready = await ReadyAsync(http);
        using var live = await http.GetAsync("/healthz");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable", "unreachable"), (ready.Status, ready.Body["status"], ready.Body["database"]));
        // Note: liveness must not follow the database, or an orchestrator would restart every instance during an outage.
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("ok", await live.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DatabaseDown_ThePollersCalls_Answer503WithRetryAfter_NotAStackTrace()
    {
        var unreachable = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=none;User ID=nobody;Password=x;Connection Timeout=2";
        var pollerKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var inbox = StartInbox("inbox-nodb-503", unreachable, pollerKey);
        await inbox.StartAsync();
        using var poller = SignedClients.Poller(pollerKey, inbox.BaseAddress);

        // Note: the same middleware answers the waiting page's status poll (the topology test saw it 500 during a
        // MariaDB restart), but that needs the login's cookie, which an inbox without its database cannot issue.
        using var claim = await poller.PostAsJsonAsync("/poller/v1/claim", new { pollerId = "poller-a", maxItems = 1 });
        using var lease = await poller.PostAsJsonAsync("/poller/v1/items/1/lease", new { leaseId = "0123456789abcdef0123456789abcdef" });

        foreach (var response in new[] { claim, lease })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode} {body}");
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
            Assert.Contains("database_unavailable", body, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
            Assert.DoesNotContain("MySql", body, StringComparison.Ordinal);
        }

        // One warning line per request instead of an unhandled exception's stack trace.
        var log = await inbox.ReadLogOfThisStartAsync();
        Assert.Contains("Database unreachable: POST /poller/v1/claim answered 503", log, StringComparison.Ordinal);
        Assert.DoesNotContain("An unhandled exception has occurred", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseDown_TheWaitingPage_AnswersAChinesePage_NotJson()
    {
        var unreachable = $"Server=127.0.0.1;Port={TestEnvironment.FreePort()};Database=none;User ID=nobody;Password=x;Connection Timeout=2";
        await using var inbox = StartInbox("inbox-nodb-page", unreachable);
        await inbox.StartAsync();
        // Note: a phone's browser that holds a waiting cookie (issued before the outage) reloads 「正在登录…」 while MariaDB is down.
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = inbox.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/wx/wait/7");
        request.Headers.Add("Cookie", "wx_wait_7=" + AnyCookieValue());
        using var page = await browser.SendAsync(request);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(2), page.Headers.RetryAfter?.Delta);
        Assert.Contains("<title>服务暂时不可用", html, StringComparison.Ordinal);
        Assert.Contains("请几秒后刷新本页面", html, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:1/login/weixin", html, StringComparison.Ordinal);
        Assert.DoesNotContain("MySql", html, StringComparison.Ordinal);
        Assert.DoesNotContain("database_unavailable", html, StringComparison.Ordinal);

        // The status poll beside it keeps its JSON 503, which the page's script retries.
        using var status = new HttpRequestMessage(HttpMethod.Get, "/wx/wait/7/status");
        status.Headers.Add("Cookie", "wx_wait_7=" + AnyCookieValue());
        using var poll = await browser.SendAsync(status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, poll.StatusCode);
        Assert.Contains("database_unavailable", await poll.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string AnyCookieValue() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ServiceProcess StartInbox(string name, string connectionString, string? pollerKey = null)
    {
        var port = TestEnvironment.FreePort();
        return new ServiceProcess(name, "PublicInbox", port, new Dictionary<string, string>
        {
            ["ConnectionStrings__Inbox"] = connectionString,
            ["Inbox__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Inbox__AllowedRedirectPrefixes__0"] = "http://127.0.0.1:1/",
            ["Inbox__RetryLoginUrl"] = "http://127.0.0.1:1/login/weixin",
            ["Inbox__WeixinToken"] = "readytoken",
            ["PollerSigning__Keys__0"] = pollerKey ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["Retention__Enabled"] = "false",
        }, "health");
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, string> Body)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await response.Content.ReadAsStringAsync())!;
        return (response.StatusCode, body.ToDictionary(p => p.Key, p => p.Value.ToString()));
    }
}
