using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.Testing;

/// <summary>What the simulator reports after WeChat delivered a user's message (and its retries).</summary>
public sealed record SimulatedDelivery(string Via, string? Reply, int Attempts, long ElapsedMs);

/// <summary>Settings that differ between test fixtures.</summary>
public sealed record LoginSystemSettings
{
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>WeChat's per-attempt timeout in the simulator (5 s like WeChat; shorter forces retries).</summary>
    public TimeSpan WeixinCallbackTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Extra return prefix the gateway allows but the inbox does not (to test the inbox's own check).</summary>
    public bool GatewayAllowsForeignPrefix { get; init; }

    /// <summary>
    /// Base address of the LAN app the browser returns to (e.g. a CrmApp process started on a chosen port);
    /// default null: the in-process <see cref="LandingApp"/>.
    /// </summary>
    public Uri? AppBaseAddress { get; init; }

    /// <summary>
    /// The simulator's <c>DenyRedirects</c>: false (default) as today's WeChat, a refusal never comes back; true, the old
    /// documented redirect with only <c>state</c>.
    /// </summary>
    public bool WeixinDenyRedirects { get; init; }

    /// <summary>The simulator's <c>AccountType</c> (e.g. <c>UnverifiedSubscription</c>); default null: its default, a verified 服务号.</summary>
    public string? WeixinAccountType { get; init; }

    /// <summary>When set, the inbox's admin pages are on with one user, <c>ops</c>, of this password; default null: off.</summary>
    public string? InboxAdminPassword { get; init; }

    /// <summary>More inbox settings (<c>Inbox__…</c>), added to or replacing the defaults.</summary>
    public IReadOnlyDictionary<string, string> InboxEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>More poller settings (e.g. <c>Serilog__MinimumLevel__Default</c>), added to or replacing the defaults.</summary>
    public IReadOnlyDictionary<string, string> PollerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The poller's <c>Weixin:RequireSafeMode</c>; default null: unset, so on (the poller holds the EncodingAESKey).</summary>
    public bool? PollerRequireSafeMode { get; init; }

    /// <summary>The inbox's <c>Inbox:RequireSafeMode</c> (refuse plaintext callbacks at the door); default false.</summary>
    public bool InboxRequireSafeMode { get; init; }
}

/// <summary>
/// The whole login pipeline as real processes on 127.0.0.1: WeChat simulator, PublicInbox, IntranetPoller,
/// on throwaway databases of the real MariaDB; plus a small landing app standing in for the LAN app.
/// </summary>
public sealed class LoginSystem : IAsyncDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly ServiceProvider _clients;

    private LoginSystem(LoginSystemSettings settings, TestDatabase database, LandingApp landing, ServiceProcess simulator, ServiceProcess inbox, ServiceProcess poller, string gatewayKey, string hookKey, string pollerKey)
    {
        HookKey = hookKey;
        PollerKey = pollerKey;
        Settings = settings;
        Database = database;
        Landing = landing;
        Simulator = simulator;
        Inbox = inbox;
        Poller = poller;
        GatewayKey = gatewayKey;

        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<SigningOptions>("Gateway").Configure(o =>
        {
            o.Keys = [gatewayKey];
            o.ClientId = ClientId;
        });
        services.AddRefitGeneratedClient<IGatewayApi>(_ => RefitJson.Settings)
            .ConfigureHttpClient(c => c.BaseAddress = poller.BaseAddress)
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Gateway", TimeProvider.System));
        _clients = services.BuildServiceProvider();
        Gateway = _clients.GetRequiredService<IGatewayApi>();
    }

    public const string AppId = "wx_sim_app_0001";
    public const string AppSecret = "sim_app_secret_for_local_tests_only";

    public LoginSystemSettings Settings { get; }
    public TestDatabase Database { get; }
    public LandingApp Landing { get; }
    public ServiceProcess Simulator { get; }
    public ServiceProcess Inbox { get; }
    public ServiceProcess Poller { get; }
    /// <summary>The LAN app's client key at the gateway (<c>GatewaySigning:Clients:0:Keys:0</c>, client <see cref="ClientId"/>).</summary>
    public string GatewayKey { get; }

    /// <summary>The LAN app's client id at the gateway (<c>GatewaySigning:Clients:0:Id</c>).</summary>
    public const string ClientId = "crm";

    /// <summary>The key of the gateway's calls to the LAN app's message hook (<c>CrmHook:SigningKeys:0</c>; the CRM's <c>Gateway:HookKeys:0</c>).</summary>
    public string HookKey { get; }

    /// <summary>The inbox↔poller HMAC key (<c>PollerSigning:Keys:0</c> on both): lets a bench announce states as the gateway does.</summary>
    public string PollerKey { get; }

    /// <summary>The 公众号's message Token (shared by simulator, inbox and poller).</summary>
    public string WeixinToken { get; private init; } = "";

    /// <summary>The EncodingAESKey (shared by simulator and poller only: the inbox never holds it).</summary>
    public string AesKey { get; private init; } = "";

    /// <summary>The LAN app's side of the gateway API, signed as the CRM signs.</summary>
    public IGatewayApi Gateway { get; }

    /// <summary>A return URL the gateway accepts (when so configured) but the inbox does not.</summary>
    public string ForeignReturnUrl { get; private init; } = "";

    /// <summary>The LAN app's base address: <see cref="LoginSystemSettings.AppBaseAddress"/> when set, else the landing app's.</summary>
    public Uri AppBaseAddress => Settings.AppBaseAddress ?? Landing.BaseAddress;

    public string ReturnUrl => new Uri(AppBaseAddress, "/login/weixin/done").ToString();

    public static async Task<LoginSystem> StartAsync(LoginSystemSettings? settings = null, string? name = null)
    {
        settings ??= new LoginSystemSettings();
        var database = await TestDatabase.CreateAsync();
        var logPrefix = name ?? database.Prefix;
        var foreignPrefix = $"http://127.0.0.1:{TestEnvironment.FreePort()}/";
        var pollerKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var gatewayKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var hookKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var landing = await LandingApp.StartAsync(hookKey);
        var simPort = TestEnvironment.FreePort();
        var inboxPort = TestEnvironment.FreePort();
        var pollerPort = TestEnvironment.FreePort();
        var appBase = settings.AppBaseAddress ?? landing.BaseAddress;
        var appPrefix = appBase.ToString();
        var weixinToken = "tok" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var aesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');

        await ServiceProcess.RunToCompletionAsync("PublicInbox",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(database.InboxDatabase) }, "migrate");
        await ServiceProcess.RunToCompletionAsync("IntranetPoller",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(database.GatewayDatabase) }, "migrate");

        var simulator = new ServiceProcess("simulator", "WeixinSimulator", simPort, new Dictionary<string, string>
        {
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
            ["Simulator__Token"] = weixinToken,
            ["Simulator__EncodingAESKey"] = aesKey,
            ["Simulator__CallbackUrl"] = $"http://127.0.0.1:{inboxPort}/wx/callback",
            ["Simulator__CallbackTimeout"] = settings.WeixinCallbackTimeout.ToString("c"),
            // Note: the 网页授权域名 is a host name (WeChat ignores the port), so 127.0.0.1 admits the inbox's random port.
            ["Simulator__OAuthDomains__0"] = "127.0.0.1",
            ["Simulator__DenyRedirects"] = settings.WeixinDenyRedirects ? "true" : "false",
            ["Simulator__AccountType"] = settings.WeixinAccountType ?? "",
        }.Where(e => e.Value.Length > 0).ToDictionary(), logPrefix);

        var inbox = new ServiceProcess("inbox", "PublicInbox", inboxPort, new Dictionary<string, string>
        {
            ["ConnectionStrings__Inbox"] = database.ServiceConnection(database.InboxDatabase),
            ["Inbox__PublicBaseUrl"] = $"http://127.0.0.1:{inboxPort}",
            ["Inbox__AllowedRedirectPrefixes__0"] = appPrefix,
            ["Inbox__RetryLoginUrl"] = new Uri(appBase, "/login/weixin").ToString(),
            ["Inbox__LoginTimeout"] = settings.LoginTimeout.ToString("c"),
            ["Inbox__LeaseDuration"] = settings.LeaseDuration.ToString("c"),
            ["Inbox__SweepInterval"] = "00:00:01",
            ["Inbox__WeixinToken"] = weixinToken,
            ["Metrics__GaugeRefreshInterval"] = "00:00:00",
            ["PollerSigning__Keys__0"] = pollerKey,
            ["Admin__Users__0__Name"] = settings.InboxAdminPassword is null ? "" : InboxAdminName,
            ["Admin__Users__0__PasswordHash"] = settings.InboxAdminPassword is null ? "" : AdminPasswordHash(settings.InboxAdminPassword),
            ["Inbox__RequireSafeMode"] = settings.InboxRequireSafeMode ? "true" : "",
        }.Where(e => e.Value.Length > 0).Concat(settings.InboxEnvironment).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value), logPrefix);

        var pollerEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = database.ServiceConnection(database.GatewayDatabase),
            ["Poller__InboxBaseUrl"] = $"http://127.0.0.1:{inboxPort}",
            ["Poller__Interval"] = settings.PollInterval.ToString("c"),
            ["Metrics__GaugeRefreshInterval"] = "00:00:00",
            ["PollerSigning__Keys__0"] = pollerKey,
            ["GatewaySigning__Clients__0__Id"] = ClientId,
            ["GatewaySigning__Clients__0__Keys__0"] = gatewayKey,
            ["Weixin__AppId"] = AppId,
            ["Weixin__AppSecret"] = AppSecret,
            ["Weixin__ApiBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["Weixin__OpenBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["OAuth__CallbackUrl"] = $"http://127.0.0.1:{inboxPort}/wx/oauth/callback",
            ["OAuth__AllowedReturnPrefixes__0"] = appPrefix,
            ["OAuth__DefaultErrorUrl"] = new Uri(appBase, "/login").ToString(),
            ["Weixin__Token"] = weixinToken,
            ["Weixin__EncodingAESKey"] = aesKey,
            ["Messages__LoginUrl"] = new Uri(appBase, "/login/weixin").ToString(),
            ["CrmHook__BaseUrl"] = appBase.ToString().TrimEnd('/'),
            ["CrmHook__SigningKeys__0"] = hookKey,
        };
        if (settings.PollerRequireSafeMode is { } requireSafeMode)
        {
            pollerEnvironment["Weixin__RequireSafeMode"] = requireSafeMode ? "true" : "false";
        }

        if (settings.GatewayAllowsForeignPrefix)
        {
            pollerEnvironment["OAuth__AllowedReturnPrefixes__1"] = foreignPrefix;
        }

        foreach (var (key, value) in settings.PollerEnvironment)
        {
            pollerEnvironment[key] = value;
        }

        var poller = new ServiceProcess("poller", "IntranetPoller", pollerPort, pollerEnvironment, logPrefix);

        try
        {
            await Task.WhenAll(simulator.StartAsync(), inbox.StartAsync());
            await poller.StartAsync();
        }
        catch
        {
            // Note: a half-started system must not leave processes behind for the next test run.
            await poller.DisposeAsync();
            await inbox.DisposeAsync();
            await simulator.DisposeAsync();
            await landing.DisposeAsync();
            await database.DisposeAsync();
            throw;
        }

        return new LoginSystem(settings, database, landing, simulator, inbox, poller, gatewayKey, hookKey, pollerKey) { ForeignReturnUrl = foreignPrefix + "login/weixin/done", WeixinToken = weixinToken, AesKey = aesKey };
    }

    /// <summary>The inbox admin's name when <see cref="LoginSystemSettings.InboxAdminPassword"/> is set.</summary>
    public const string InboxAdminName = "ops";

    /// <summary>
    /// An ASP.NET Core Identity V3 password hash (what <c>PublicInbox.dll hash-password</c> prints; this project does not
    /// reference the inbox): 0x01, PRF HMACSHA256, iterations, salt length, salt, 32-byte PBKDF2 subkey, all big-endian.
    /// </summary>
    public static string AdminPasswordHash(string password)
    {
        const int iterations = 100_000;
        var salt = RandomNumberGenerator.GetBytes(16);
        var subkey = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        var hash = new byte[13 + salt.Length + subkey.Length];
        hash[0] = 0x01;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(hash.AsSpan(1), 1); // KeyDerivationPrf.HMACSHA256
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(hash.AsSpan(5), iterations);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(hash.AsSpan(9), (uint)salt.Length);
        salt.CopyTo(hash, 13);
        subkey.CopyTo(hash, 13 + salt.Length);
        return Convert.ToBase64String(hash);
    }

    /// <summary>Adds a fresh test user to the simulator and returns its openid (tests never share users).</summary>
    public async Task<string> AddWeixinUserAsync(string nickname)
    {
        var openId = "o_t_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress };
        using var response = await http.PostAsJsonAsync("/sim/users", new { openId, nickname, unionId = "u_" + openId });
        response.EnsureSuccessStatusCode();
        return openId;
    }

    /// <summary>Adds a fresh test user whose every web authorization happens in 快照页模式 (a virtual user).</summary>
    public async Task<string> AddSnapshotWeixinUserAsync(string nickname)
    {
        var openId = "o_t_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress };
        using var response = await http.PostAsJsonAsync("/sim/users", new { openId, nickname, unionId = "u_" + openId, snapshot = true });
        response.EnsureSuccessStatusCode();
        return openId;
    }

    /// <summary>Makes the simulator's next <paramref name="count"/> code exchanges answer <paramref name="errcode"/> after <paramref name="delay"/>.</summary>
    public async Task InjectCodeExchangeFaultAsync(int errcode, int count, TimeSpan delay)
    {
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress };
        using var response = await http.PostAsJsonAsync("/sim/faults", new { accessTokenErrcode = errcode, count, delayMs = (int)delay.TotalMilliseconds });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The simulated user sends a message or event through WeChat (with WeChat's timeout and retries). The default
    /// <paramref name="mode"/> is 安全模式, as the 公众号 of a poller holding the EncodingAESKey posts (the poller refuses
    /// plaintext then); <c>plain</c> and <c>compat</c> on request.
    /// </summary>
    public async Task<SimulatedDelivery> SendAsUserAsync(string openId, string type, string? content = null, string? eventKey = null, string mode = "aes")
    {
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/messages", new { type, content, eventKey, mode });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Simulator refused the message ({(int)response.StatusCode}): {text}");
        }

        return System.Text.Json.JsonSerializer.Deserialize<SimulatedDelivery>(text, WebJson)!;
    }

    /// <summary>Everything the simulated user received, in order.</summary>
    public async Task<IReadOnlyList<System.Text.Json.JsonElement>> ReceivedByAsync(string openId)
    {
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress };
        var list = await http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/sim/users/{Uri.EscapeDataString(openId)}/received");
        return list.ValueKind == System.Text.Json.JsonValueKind.Array ? list.EnumerateArray().ToList() : list.GetProperty("items").EnumerateArray().ToList();
    }

    /// <summary>The simulator's call counters.</summary>
    public async Task<System.Text.Json.JsonElement> SimulatorStatsAsync()
    {
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress };
        return await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/sim/stats");
    }

    /// <summary>A new browser (its own cookie jar, redirects not followed so each hop can be checked).</summary>
    /// <summary>A new scripted browser, by default WeChat's in-app browser on a phone.</summary>
    public ScriptedBrowser NewBrowser(string userAgent = UserAgents.WeixinPhone) => new(this, userAgent);

    public async ValueTask DisposeAsync()
    {
        await Poller.DisposeAsync();
        await Inbox.DisposeAsync();
        await Simulator.DisposeAsync();
        await Landing.DisposeAsync();
        await _clients.DisposeAsync();
        await Database.DisposeAsync();
    }
}
