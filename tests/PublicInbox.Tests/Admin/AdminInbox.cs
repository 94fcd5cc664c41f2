using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.PublicInbox.Tests.Admin;

/// <summary>
/// The real PublicInbox process on a throwaway database, with admins configured, plus what the tests drive it with:
/// signed poller API calls, WeChat-signed callbacks, admin sessions and SQL.
/// </summary>
public sealed class AdminInbox : IAsyncDisposable
{
    public const string AdminName = "ops";
    public const string AdminPassword = "correct-horse-battery";
    public const string LockName = "locktest";
    public const string LockPassword = "lock-test-password-1";
    public const string AppPrefix = "http://127.0.0.1:5399/";
    public const string WeixinToken = "admintesttoken";

    private AdminInbox(ThrowawayDatabase database, ServiceProcess process, string pollerKey)
    {
        Database = database;
        Process = process;
        Poller = SignedClients.Poller(pollerKey, process.BaseAddress);
    }

    public ThrowawayDatabase Database { get; }
    public ServiceProcess Process { get; }
    public Uri BaseAddress => Process.BaseAddress;

    /// <summary>Signed as the intranet poller signs.</summary>
    public HttpClient Poller { get; }

    /// <summary>Starts an inbox; <paramref name="extra"/> adds or overrides settings (null value removes one).</summary>
    public static async Task<AdminInbox> StartAsync(string name, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var database = await ThrowawayDatabase.CreateAsync("adm");
        await ServiceProcess.RunToCompletionAsync("PublicInbox", new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = database.AdminConnectionString }, "migrate");
        var pollerKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var port = TestEnvironment.FreePort();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Inbox"] = database.ServiceConnectionString,
            ["Inbox__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Inbox__AllowedRedirectPrefixes__0"] = AppPrefix,
            ["Inbox__RetryLoginUrl"] = AppPrefix + "login/weixin",
            ["Inbox__WeixinToken"] = WeixinToken,
            ["Inbox__ReplyWait"] = "00:00:04",
            ["PollerSigning__Keys__0"] = pollerKey,
            ["Admin__Users__0__Name"] = AdminName,
            ["Admin__Users__0__PasswordHash"] = AdminPasswords.Hash(AdminPassword),
            ["Admin__Users__1__Name"] = LockName,
            ["Admin__Users__1__PasswordHash"] = AdminPasswords.Hash(LockPassword),
            ["Retention__Enabled"] = "false",
            // Note: every test of a class signs in from 127.0.0.1 on one inbox; the per-address limit on sign-ins is
            // tested on its own (Security/AdminSignInLimitTests), where this is removed.
            ["RateLimits__AdminSignInPerAddress__PermitLimit"] = "10000",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var process = new ServiceProcess(name, "PublicInbox", port,
            environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!), "admin");
        try
        {
            await process.StartAsync();
        }
        catch
        {
            await process.DisposeAsync();
            await database.DisposeAsync();
            throw;
        }

        return new AdminInbox(database, process, pollerKey) { Environment = environment };
    }

    /// <summary>The settings the inbox process runs with.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; private init; } = new Dictionary<string, string?>();

    /// <summary>Starts another inbox process on the same database (another instance behind the load balancer),
    /// with <paramref name="changes"/> applied to the settings.</summary>
    public async Task<ServiceProcess> StartAnotherInstanceAsync(string name, IReadOnlyDictionary<string, string?> changes)
    {
        var environment = new Dictionary<string, string?>(Environment);
        foreach (var (key, value) in changes)
        {
            environment[key] = value;
        }

        var process = new ServiceProcess(name, "PublicInbox", TestEnvironment.FreePort(),
            environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!), "admin");
        await process.StartAsync();
        return process;
    }

    /// <summary>
    /// A browser-like client: own cookies, redirects not followed. With <paramref name="forwardedFor"/> every request
    /// carries <c>X-Forwarded-For</c>, as nginx adds it (believed only with <c>Inbox:TrustedProxies</c> 127.0.0.1).
    /// </summary>
    public AdminClient NewClient(string? forwardedFor = null) => new(BaseAddress) { ForwardedFor = forwardedFor };

    /// <summary>A client already signed in as <see cref="AdminName"/>.</summary>
    public async Task<AdminClient> SignedInAsync()
    {
        var client = NewClient();
        var response = await client.SignInAsync(AdminName, AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>The poller announces <paramref name="state"/> (as its gateway does before handing out an authorize URL).</summary>
    public Task AnnounceStateAsync(string state, TimeSpan? lifetime = null) => StateAnnouncements.AnnounceAsync(Poller, state, lifetime);

    /// <summary>
    /// The poller announces <paramref name="state"/>, then WeChat redirects a browser to the OAuth callback with it;
    /// returns the item id and the browser (with its wait cookie).
    /// </summary>
    public async Task<(long ItemId, HttpClient Browser)> OAuthCallbackAsync(string code, string state)
    {
        await AnnounceStateAsync(state);
        var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        using var response = await browser.GetAsync($"/wx/oauth/callback?code={code}&state={state}");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return (long.Parse(response.Headers.Location!.OriginalString["/wx/wait/".Length..], System.Globalization.CultureInfo.InvariantCulture), browser);
    }

    /// <summary>WeChat posts a plaintext text message (the request waits for the reply, so it runs in the background).</summary>
    public Task<HttpResponseMessage> PostMessageAsync(string openId, string content, long msgId)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var signature = WeixinSignature.Compute(WeixinToken, timestamp, nonce);
        var xml = $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId}</MsgId></xml>";
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        return http.PostAsync($"/wx/callback?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid={openId}", new StringContent(xml, System.Text.Encoding.UTF8, "text/xml"));
    }

    public async Task<ClaimResponse> ClaimAsync(string pollerId, IReadOnlyList<string>? kinds = null)
    {
        using var response = await Poller.PostAsJsonAsync("/poller/v1/claim", new ClaimRequest(pollerId, 10, kinds));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ClaimResponse>())!;
    }

    public async Task<CompleteResponse> CompleteAsync(long id, CompleteRequest request)
    {
        using var response = await Poller.PostAsJsonAsync($"/poller/v1/items/{id}/complete", request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CompleteResponse>())!;
    }

    public async Task FailAsync(long id, FailRequest request)
    {
        using var response = await Poller.PostAsJsonAsync($"/poller/v1/items/{id}/fail", request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Rows of a query as admin.</summary>
    public Task<List<Dictionary<string, object?>>> QueryAsync(string sql, params (string Name, object? Value)[] parameters) =>
        Database.QueryAsync(sql, parameters);

    /// <summary>The audit rows of one action, newest first.</summary>
    public Task<List<Dictionary<string, object?>>> AuditAsync(string action) =>
        QueryAsync("SELECT actor, action, remote_ip, item_id, detail, at FROM admin_audit_log WHERE action = @a ORDER BY id DESC", ("@a", action));

    public async ValueTask DisposeAsync()
    {
        Poller.Dispose();
        await Process.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>An admin's browser without JavaScript: cookies kept, forms posted with their antiforgery token.</summary>
public sealed partial class AdminClient(Uri baseAddress) : IDisposable
{
    public HttpClient Http { get; } = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress };

    private readonly Dictionary<string, string> _jar = new(StringComparer.Ordinal);

    /// <summary>The client address a trusted proxy in front of the inbox would report (<c>X-Forwarded-For</c>); null: none.</summary>
    public string? ForwardedFor { get; init; }

    /// <summary>Extra headers on every request (e.g. <c>Accept: text/html</c>, as a browser sends).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>GET with the cookies the server set (the jar ignores paths: every request here is under /admin).</summary>
    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request);
    }

    public async Task<string> GetPageAsync(string path)
    {
        using var response = await GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Posts a form from the page at <paramref name="formPage"/>, with that page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, IEnumerable<KeyValuePair<string, string>> fields, bool withToken = true)
    {
        var html = await (await GetAsync(formPage)).Content.ReadAsStringAsync();
        var values = fields.ToList();
        if (withToken)
        {
            values.Add(new(AdminFormat.AntiforgeryField, TokenPattern().Match(html).Groups[1].Value));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(values) };
        return await SendAsync(request);
    }

    public Task<HttpResponseMessage> SignInAsync(string name, string password) =>
        PostFormAsync("/admin/login", "/admin/login", [new("name", name), new("password", password)]);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (_jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _jar.Select(c => $"{c.Key}={c.Value}")));
        }

        if (ForwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", ForwardedFor);
        }

        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await Http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                var pair = header.Split(';')[0];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = pair[..eq];
                var value = pair[(eq + 1)..];
                if (value.Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    _jar.Remove(name);
                }
                else
                {
                    _jar[name] = value;
                }
            }
        }

        return response;
    }

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    /// <summary>The same browser talking to another instance: a copy of this client's cookies.</summary>
    public AdminClient WithCookiesFor(Uri otherBaseAddress)
    {
        var other = new AdminClient(otherBaseAddress);
        foreach (var (name, value) in _jar)
        {
            other._jar[name] = value;
        }

        return other;
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>One <see cref="AdminInbox"/> for a test class.</summary>
public sealed class AdminInboxFixture : IAsyncLifetime
{
    private AdminInbox? _inbox;

    public AdminInbox Inbox => _inbox ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _inbox = await AdminInbox.StartAsync("inbox-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));

    public async Task DisposeAsync()
    {
        if (_inbox is not null)
        {
            await _inbox.DisposeAsync();
        }
    }
}
