using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>
/// The poller's own registrations (data, WeChat API, gateway signing, messages) over in-memory settings and a
/// real gateway database; no polling job, so tests drive the handlers directly.
/// </summary>
public sealed class MessagesTestHost : IAsyncDisposable
{
    public const string AppId = "wx_msg_test_0001";
    public const string Token = "MsgTestToken2026";
    public const string EncodingAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    public const string AccountId = "gh_0123456789ab";
    public const string LoginUrl = "http://127.0.0.1:5300/login/weixin";
    public static readonly string GatewayKey = "gateway-key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The key of hook calls (<c>CrmHook:SigningKeys:0</c>), the one <see cref="CrmHookStandIn"/> verifies with.</summary>
    public static readonly string HookKey = "hook-key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private readonly IHost _host;

    private MessagesTestHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static async Task<MessagesTestHost> StartAsync(GatewayDatabaseFixture database, Uri? weixinApi, Uri? crmHook, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Gateway"] = database.Database.ServiceConnectionString,
            ["Poller:Enabled"] = "false",
            ["Weixin:AppId"] = AppId,
            ["Weixin:AppSecret"] = "msg_test_app_secret_0123456789",
            ["Weixin:Token"] = Token,
            ["Weixin:EncodingAESKey"] = EncodingAesKey,
            // Note: the handler tests use plaintext items where the mode does not matter (easier to read), so this host
            // accepts them; the refusal of plaintext (on by default with a key) is tested in IntranetPoller.Tests/Security.
            ["Weixin:RequireSafeMode"] = "false",
            ["Weixin:ApiBaseUrl"] = (weixinApi ?? new Uri("http://127.0.0.1:9")).ToString(),
            ["Messages:Enabled"] = "true",
            ["Messages:LoginUrl"] = LoginUrl,
            ["Messages:HookTimeout"] = "00:00:02",
            ["Messages:SendRetryDelay"] = "00:00:01",
            ["CrmHook:BaseUrl"] = crmHook?.ToString() ?? "",
            ["GatewaySigning:Clients:0:Id"] = "crm",
            ["GatewaySigning:Clients:0:Keys:0"] = GatewayKey,
            ["CrmHook:SigningKeys:0"] = HookKey,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddGatewayData();
        builder.AddWeixinApi();
        builder.AddGateway();
        builder.AddMessages();
        var host = builder.Build();
        await host.StartAsync();
        return new MessagesTestHost(host);
    }

    public AsyncServiceScope Scope() => _host.Services.CreateAsyncScope();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
