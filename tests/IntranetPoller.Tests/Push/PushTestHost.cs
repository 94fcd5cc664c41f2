using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Push;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Push;

/// <summary>
/// One poller instance in-process: the service's own registrations (data, WeChat API, gateway signing, push) and the
/// signed messages API on a free 127.0.0.1 port, over a real gateway database and the simulator. The delivery job is
/// off; tests run <see cref="OutboxDelivery"/> themselves, so each run is one observable step.
/// </summary>
public sealed class PushTestHost : IAsyncDisposable
{
    public static readonly string GatewayKey = "push-gateway-key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The CRM's client id at the gateway.</summary>
    public const string ClientId = "crm";

    private readonly WebApplication _app;
    private readonly ServiceProvider _clients;

    private PushTestHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<SigningOptions>("Crm").Configure(o =>
        {
            o.Keys = [GatewayKey];
            o.ClientId = ClientId;
        });
        services.AddRefitGeneratedClient<IGatewayApi>(_ => RefitJson.Settings)
            .ConfigureHttpClient(c => c.BaseAddress = baseAddress)
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Crm", TimeProvider.System));
        services.AddHttpClient("signed", c => c.BaseAddress = baseAddress)
            .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Crm", TimeProvider.System));
        _clients = services.BuildServiceProvider();
        Gateway = _clients.GetRequiredService<IGatewayApi>();
    }

    public Uri BaseAddress { get; }

    /// <summary>The CRM's side of the gateway API (signed).</summary>
    public IGatewayApi Gateway { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A signed raw client, for status codes and problem bodies.</summary>
    public HttpClient SignedClient() => _clients.GetRequiredService<IHttpClientFactory>().CreateClient("signed");

    public static async Task<PushTestHost> StartAsync(SimulatorFixture fixture, IDictionary<string, string?>? overrides = null, string? database = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Gateway"] = database ?? fixture.Database.Database.ServiceConnectionString,
            ["Poller:Enabled"] = "false",
            ["Weixin:AppId"] = SimulatorFixture.AppId,
            ["Weixin:AppSecret"] = SimulatorFixture.AppSecret,
            ["Weixin:ApiBaseUrl"] = fixture.SimulatorAddress.ToString(),
            ["GatewaySigning:Clients:0:Id"] = ClientId,
            ["GatewaySigning:Clients:0:Keys:0"] = GatewayKey,
            ["Push:Enabled"] = "false",
            ["Push:InstanceId"] = "test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("WX_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddGatewayData();
        builder.AddWeixinApi();
        builder.AddGateway();
        builder.AddPush();
        if (settings.ContainsKey("Poller:InboxBaseUrl"))
        {
            // Note: the inbox client and the claim loop's parts (the job stays unscheduled: Poller:Enabled is false).
            builder.AddInboxPolling();
        }

        var app = builder.Build();
        app.UseSignedRequests();
        app.MapMessagesApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PushTestHost(app, new Uri(address + "/"));
    }

    /// <summary>One run of the delivery, as the job does it; returns the attempts made.</summary>
    public async Task<int> DeliverAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OutboxDelivery>().RunAsync(CancellationToken.None);
    }

    /// <summary>Queues a template message (TPL_FOLLOW_UP, the simulator's default template, typed keywords) to <paramref name="openId"/>.</summary>
    public Task<MessageStatus> SendTemplateAsync(string openId, string? key = null, string customer = "张伟", string? url = "http://127.0.0.1:5300/customers/7") =>
        Gateway.SendMessageAsync(new SendMessageRequest(key ?? NewKey(), openId, Template: FollowUp(customer, url)));

    public static TemplateMessage FollowUp(string customer, string? url = "http://127.0.0.1:5300/customers/7", string templateId = "TPL_FOLLOW_UP") =>
        new(templateId, new Dictionary<string, TemplateField>
        {
            ["thing1"] = new(customer),
            ["time2"] = new("2026-11-25 10:00"),
            ["thing3"] = new("回访报价，确认签约时间"),
            ["thing4"] = new("李娜"),
        }, url);

    public static string NewKey() => "k-" + Guid.NewGuid().ToString("N");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _clients.DisposeAsync();
    }
}
