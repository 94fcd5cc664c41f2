using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.Production.Tests.Topology;

/// <summary>
/// The production shape on one machine: nginx (TLS from a throwaway CA, the site rendered from
/// deploy/nginx/weixin-inbox.conf.template) in front of two PUBLISHED inbox instances, two published pollers (both
/// talking to the inbox through nginx over TLS, trusting only the test's CA), the WeChat simulator (posting its callbacks
/// through nginx over TLS), a landing app for the LAN app, and a MariaDB of the test's own.
/// </summary>
public sealed class ProductionTopology : IAsyncDisposable
{
    public const string AppId = LoginSystem.AppId;
    public const string AppSecret = LoginSystem.AppSecret;
    public const string Domain = "localhost";
    public const string AdminName = "ops";

    /// <summary>The LAN's egress address (pollers); every .NET child connects from 127.0.0.1.</summary>
    public static readonly IPAddress LanAddress = IPAddress.Loopback;

    /// <summary>The admins' office network (only the test's admin client connects from it).</summary>
    public static readonly IPAddress OfficeAddress = IPAddress.Parse("127.0.0.3");

    /// <summary>Somewhere on the internet (browsers).</summary>
    public static readonly IPAddress InternetAddress = IPAddress.Parse("127.0.0.2");

    private readonly List<IAsyncDisposable> _owned = [];
    private ServiceProvider? _clients;

    private ProductionTopology(string directory) => Directory = directory;

    public string Directory { get; }
    public ThrowawayCertificateAuthority Authority { get; private set; } = null!;
    public PrivateMariaDb Database { get; private set; } = null!;
    public NginxSite Nginx { get; private set; } = null!;
    public ServiceProcess Simulator { get; private set; } = null!;
    public ServiceProcess InboxA { get; private set; } = null!;
    public ServiceProcess InboxB { get; private set; } = null!;
    public ServiceProcess PollerA { get; private set; } = null!;
    public ServiceProcess PollerB { get; private set; } = null!;
    public LandingApp Landing { get; private set; } = null!;
    public string AdminPassword { get; } = "Adm1n-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    public string InboxDatabase => "weixin_inbox";
    public string GatewayDatabase => "weixin_gateway";

    /// <summary>The public origin, as WeChat and browsers see it (the port only because tests cannot bind 443).</summary>
    public Uri PublicBase => new($"https://{Domain}:{Nginx.Settings.HttpsPort}/");

    /// <summary>The LAN app's signed gateway API on poller B (the one that stays up).</summary>
    public IGatewayApi Gateway { get; private set; } = null!;

    public string ReturnUrl => new Uri(Landing.BaseAddress, "/login/weixin/done").ToString();
    public string RetryLoginUrl => new Uri(Landing.BaseAddress, "/login/weixin").ToString();

    /// <summary>The LAN app's error page (<c>OAuth:DefaultErrorUrl</c>), where a failed login lands with <c>?err=</c>.</summary>
    public string ErrorUrl => new Uri(Landing.BaseAddress, "/login").ToString();

    public static string DistDirectory =>
        Environment.GetEnvironmentVariable("WX_DIST") is { Length: > 0 } dist ? dist : Path.Combine(TestEnvironment.RepoRoot, "dist");

    public static string PublishedDll(string service)
    {
        var dll = Path.Combine(DistDirectory, service, service + ".dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"{dll} is missing: run `./run.sh publish` (or set WX_DIST to a publish output).", dll);
    }

    public static async Task<ProductionTopology> StartAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("wx-topology-").FullName;
        var topology = new ProductionTopology(directory);
        try
        {
            await topology.StartAllAsync();
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync()
    {
        var inboxDll = PublishedDll("PublicInbox");
        var pollerDll = PublishedDll("IntranetPoller");
        Authority = ThrowawayCertificateAuthority.Create(Directory);
        var emptyCertDir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "no-other-cas")).FullName;
        var trustOurCa = Authority.ChildProcessEnvironment(emptyCertDir);

        Database = await PrivateMariaDb.StartAsync(Path.Combine(Directory, ".data"));
        _owned.Add(Database);
        var inboxConnection = await Database.CreateServiceDatabaseAsync(InboxDatabase, "wx_inbox_svc", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var gatewayConnection = await Database.CreateServiceDatabaseAsync(GatewayDatabase, "wx_gateway_svc", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        // Note: migrations by the published services themselves, as the operator runs them (docs/DEPLOY.md).
        await ServiceProcess.RunDllToCompletionAsync(inboxDll, new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = Database.AdminConnection(InboxDatabase) }, "migrate");
        await ServiceProcess.RunDllToCompletionAsync(pollerDll, new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = Database.AdminConnection(GatewayDatabase) }, "migrate");

        var pollerKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var gatewayKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var hookKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var weixinToken = "tok" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var aesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
        Landing = await LandingApp.StartAsync(hookKey);
        _owned.Add(Landing);

        int simPort = TestEnvironment.FreePort(), inboxAPort = TestEnvironment.FreePort(), inboxBPort = TestEnvironment.FreePort();
        int pollerAPort = TestEnvironment.FreePort(), pollerBPort = TestEnvironment.FreePort();
        Nginx = await NginxSite.RenderAsync(Path.Combine(Directory, "nginx"), new NginxSiteSettings(
            Domain, TestEnvironment.FreePort(), TestEnvironment.FreePort(), Authority.ServerCertPath, Authority.ServerKeyPath,
            [$"127.0.0.1:{inboxAPort}", $"127.0.0.1:{inboxBPort}"], [$"{OfficeAddress}/32"], [LanAddress.ToString()]));
        _owned.Add(Nginx);
        var publicBase = PublicBase.ToString().TrimEnd('/');
        var appPrefix = Landing.BaseAddress.ToString();

        Simulator = new ServiceProcess("simulator", "WeixinSimulator", simPort, new Dictionary<string, string>(trustOurCa)
        {
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
            ["Simulator__Token"] = weixinToken,
            ["Simulator__EncodingAESKey"] = aesKey,
            ["Simulator__CallbackUrl"] = $"{publicBase}/wx/callback",
            // Note: the 网页授权域名 is a host name without port, as WeChat registers it.
            ["Simulator__OAuthDomains__0"] = Domain,
            ["Simulator__CustomerServiceWait"] = "00:00:12",
        }, "production-topology");
        _owned.Add(Simulator);

        Dictionary<string, string> Inbox() => new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Inbox"] = inboxConnection,
            ["Inbox__PublicBaseUrl"] = publicBase,
            ["Inbox__AllowedRedirectPrefixes__0"] = appPrefix,
            ["Inbox__RetryLoginUrl"] = RetryLoginUrl,
            ["Inbox__LoginTimeout"] = "00:00:30",
            ["Inbox__LeaseDuration"] = "00:00:05",
            ["Inbox__SweepInterval"] = "00:00:01",
            ["Inbox__WeixinToken"] = weixinToken,
            ["Inbox__RequireSafeMode"] = "true",
            // Note: nginx runs on this host, so the instances see it as 127.0.0.1 (the template's header says so).
            ["Inbox__TrustedProxies__0"] = "127.0.0.1",
            ["PollerSigning__Keys__0"] = pollerKey,
            ["Admin__Users__0__Name"] = AdminName,
            ["Admin__Users__0__PasswordHash"] = LoginSystem.AdminPasswordHash(AdminPassword),
            ["Admin__AllowedNetworks__0"] = $"{OfficeAddress}/32",
            ["Metrics__GaugeRefreshInterval"] = "00:00:00",
        };
        InboxA = new ServiceProcess("inbox-a", "PublicInbox", inboxAPort, Inbox(), "production-topology", inboxDll);
        InboxB = new ServiceProcess("inbox-b", "PublicInbox", inboxBPort, Inbox(), "production-topology", inboxDll);
        _owned.Add(InboxA);
        _owned.Add(InboxB);

        Dictionary<string, string> Poller(string id) => new(trustOurCa)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Gateway"] = gatewayConnection,
            ["Poller__InboxBaseUrl"] = publicBase,
            ["Poller__PollerId"] = id,
            ["Poller__Interval"] = "00:00:00.500",
            ["Metrics__GaugeRefreshInterval"] = "00:00:00",
            ["PollerSigning__Keys__0"] = pollerKey,
            ["GatewaySigning__Clients__0__Id"] = LoginSystem.ClientId,
            ["GatewaySigning__Clients__0__Keys__0"] = gatewayKey,
            ["Weixin__AppId"] = AppId,
            ["Weixin__AppSecret"] = AppSecret,
            ["Weixin__ApiBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["Weixin__OpenBaseUrl"] = $"http://127.0.0.1:{simPort}",
            ["Weixin__Token"] = weixinToken,
            ["Weixin__EncodingAESKey"] = aesKey,
            ["OAuth__CallbackUrl"] = $"{publicBase}/wx/oauth/callback",
            ["OAuth__AllowedReturnPrefixes__0"] = appPrefix,
            ["OAuth__DefaultErrorUrl"] = ErrorUrl,
            ["Messages__LoginUrl"] = RetryLoginUrl,
            ["CrmHook__BaseUrl"] = Landing.BaseAddress.ToString().TrimEnd('/'),
            ["CrmHook__SigningKeys__0"] = hookKey,
        };
        PollerA = new ServiceProcess("poller-a", "IntranetPoller", pollerAPort, Poller("poller-a"), "production-topology", pollerDll);
        PollerB = new ServiceProcess("poller-b", "IntranetPoller", pollerBPort, Poller("poller-b"), "production-topology", pollerDll);
        _owned.Add(PollerA);
        _owned.Add(PollerB);

        await Task.WhenAll(Simulator.StartAsync(), InboxA.StartAsync(), InboxB.StartAsync());
        await Nginx.StartAsync();
        await Task.WhenAll(PollerA.StartAsync(), PollerB.StartAsync());

        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<SigningOptions>("Gateway").Configure(o =>
        {
            o.Keys = [gatewayKey];
            o.ClientId = LoginSystem.ClientId;
        });
        services.AddRefitGeneratedClient<IGatewayApi>(_ => RefitJson.Settings)
            .ConfigureHttpClient(c =>
            {
                c.BaseAddress = PollerB.BaseAddress;
                c.Timeout = TimeSpan.FromSeconds(10);
            })
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Gateway", TimeProvider.System));
        _clients = services.BuildServiceProvider();
        Gateway = _clients.GetRequiredService<IGatewayApi>();
    }

    /// <summary>An HTTPS client of nginx that trusts the throwaway CA only, connecting from <paramref name="source"/>.</summary>
    public HttpClient PublicClient(IPAddress source, CookieContainer? cookies = null, string? userAgent = null)
    {
        var http = new HttpClient(Authority.CreateHandler(source, cookies)) { BaseAddress = PublicBase, Timeout = TimeSpan.FromSeconds(40) };
        if (userAgent is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        }

        return http;
    }

    public async Task<string> AddWeixinUserAsync(string nickname)
    {
        var openId = "o_p_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        using var http = new HttpClient { BaseAddress = Simulator.BaseAddress };
        using var response = await http.PostAsJsonAsync("/sim/users", new { openId, nickname, unionId = "u_" + openId });
        response.EnsureSuccessStatusCode();
        return openId;
    }

    public Task<List<Dictionary<string, object?>>> InboxQueryAsync(string sql) =>
        ThrowawayDatabase.QueryAsync(Database.AdminConnection(InboxDatabase), sql);

    public Task<List<Dictionary<string, object?>>> GatewayQueryAsync(string sql) =>
        ThrowawayDatabase.QueryAsync(Database.AdminConnection(GatewayDatabase), sql);

    public async ValueTask DisposeAsync()
    {
        // Note: clients first, then the processes in reverse start order; the temp directory goes last.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
            }
        }

        if (_clients is not null)
        {
            await _clients.DisposeAsync();
        }

        Authority?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
