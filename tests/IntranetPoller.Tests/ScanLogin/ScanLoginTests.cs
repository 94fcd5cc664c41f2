using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;
using Weixin.Inbox.Contracts;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.ScanLogin;
using Weixin.Inbox.IntranetPoller.Tests.Messages;
using Weixin.Inbox.IntranetPoller.Tests.Push;
using Weixin.Inbox.IntranetPoller.Weixin;
using static Weixin.Inbox.IntranetPoller.Tests.Messages.WeixinCallbacks;

namespace Weixin.Inbox.IntranetPoller.Tests.ScanLogin;

/// <summary>
/// Desktop 扫码登录 on the poller: the signed gateway endpoints over HTTP, the real simulator's qrcode/create, and
/// the scan and number messages through the real message pipeline over a real gateway database.
/// </summary>
public class ScanLoginTests(DefaultSimulatorFixture fixture) : IClassFixture<DefaultSimulatorFixture>
{
    internal const string ReturnUrl = "http://127.0.0.1:5300/login/weixin/done";

    [Fact]
    public async Task Create_CallsQrCodeCreate_AndAnswersTheSimulatorsQrContent()
    {
        await using var host = await ScanHost.StartAsync(fixture);

        var created = await host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ReturnUrl));

        // Note: the simulator's /q/<code> is its stand-in for WeChat's http://weixin.qq.com/q/…; only a code made by
        // qrcode/create has one.
        Assert.StartsWith(fixture.SimulatorAddress.ToString().TrimEnd('/') + "/q/", created.QrContent, StringComparison.Ordinal);
        Assert.InRange(created.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(240), DateTimeOffset.UtcNow.AddSeconds(301));
        var row = await host.RowAsync(created.Id);
        Assert.True(ScanLoginStore.IsSceneShaped(row.Scene));
        Assert.Equal(ScanLoginStates.Waiting, row.State);
        Assert.Equal(ScanLoginKinds.Scan, row.Kind);
        var status = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Waiting, status.State);
        Assert.Null(status.ConfirmCode);
    }

    [Fact]
    public async Task Create_ReturnUrlNotAllowed_Is400()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var ex = await Assert.ThrowsAnyAsync<ApiException>(() => host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest("http://evil.example/")));
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
    }

    [Fact]
    public async Task ScanByFollower_RightNumberInSafeMode_ConfirmsAndTheTicketRedeemsOnce()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var created = await host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ReturnUrl));
        var scene = (await host.RowAsync(created.Id)).Scene;
        var openId = NewOpenId();

        // A long poll started before the scan returns with the change.
        var polling = host.Gateway.GetScanLoginAsync(created.Id, wait: 20);
        Assert.Equal(QrScanHandler.ScannedReply, await host.ReplyAsync(SafeItem(Event(openId, "SCAN", scene))));
        var scanned = await polling;
        Assert.Equal(ScanLoginStates.Scanned, scanned.State);
        var code = int.Parse(scanned.ConfirmCode!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(code, 10, 99);

        Assert.Equal(ScanConfirmHandler.ConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, code.ToString(System.Globalization.CultureInfo.InvariantCulture), NewMsgId()))));

        var confirmed = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Confirmed, confirmed.State);
        Assert.NotNull(confirmed.Ticket);
        var again = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Confirmed, again.State);
        Assert.Null(again.Ticket);

        var redeemed = await host.Gateway.RedeemAsync(created.Id, new RedeemTicketRequest(confirmed.Ticket!));
        Assert.Equal(openId, redeemed.User.OpenId);
        var second = await Assert.ThrowsAnyAsync<ApiException>(() => host.Gateway.RedeemAsync(created.Id, new RedeemTicketRequest(confirmed.Ticket!)));
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains(LoginErrors.TicketUsed, second.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanByNonFollower_SubscribeWithQrScene_ScansAndRecordsTheFollow()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var created = await host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ReturnUrl));
        var scene = (await host.RowAsync(created.Id)).Scene;
        var openId = NewOpenId();

        Assert.Equal(QrScanHandler.ScannedReply, await host.ReplyAsync(SafeItem(Event(openId, "subscribe", "qrscene_" + scene))));

        var row = await host.RowAsync(created.Id);
        Assert.Equal(ScanLoginStates.Scanned, row.State);
        Assert.Equal(openId, row.OpenId);
        await using var db = fixture.Database.CreateContext();
        Assert.True((await db.Users.SingleAsync(u => u.OpenId == openId)).Subscribed);
    }

    [Fact]
    public async Task WrongNumberThreeTimes_CancelsTheLogin()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var (id, openId, code) = await host.ScannedAsync();
        var wrong = (code == 10 ? 11 : 10).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(ScanConfirmHandler.WrongReply, await host.ReplyAsync(SafeItem(Text(openId, wrong, NewMsgId()))));
        Assert.Equal(ScanConfirmHandler.WrongReply, await host.ReplyAsync(SafeItem(Text(openId, wrong, NewMsgId()))));
        Assert.Equal(ScanConfirmHandler.CancelledReply, await host.ReplyAsync(SafeItem(Text(openId, wrong, NewMsgId()))));

        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(id)).State);
        // The right number no longer confirms: the login is over, so the text goes to the CRM hook (default reply).
        Assert.NotEqual(ScanConfirmHandler.ConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, code.ToString(System.Globalization.CultureInfo.InvariantCulture), NewMsgId()))));
        Assert.Equal(ScanLoginStates.Cancelled, (await host.Gateway.GetScanLoginAsync(id)).State);
    }

    [Fact]
    public async Task SceneScannedAgain_BySameOrAnotherUser_IsRefusedAndTheLoginUntouched()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var (id, openId, code) = await host.ScannedAsync();
        var scene = (await host.RowAsync(id)).Scene;
        var other = NewOpenId();

        // Note: distinct CreateTimes: WeChat's retries of one event share FromUserName + CreateTime and are deduplicated.
        Assert.Equal(QrScanHandler.UsedReply, await host.ReplyAsync(SafeItem(Event(other, "SCAN", scene, Now() + 1))));
        Assert.Equal(QrScanHandler.UsedReply, await host.ReplyAsync(SafeItem(Event(other, "subscribe", "qrscene_" + scene, Now() + 2))));
        Assert.Equal(QrScanHandler.UsedReply, await host.ReplyAsync(SafeItem(Event(openId, "SCAN", scene, Now() + 3))));

        var row = await host.RowAsync(id);
        Assert.Equal(openId, row.OpenId);
        Assert.Equal(code, row.ConfirmCode);
        Assert.Equal(ScanLoginStates.Scanned, row.State);
        // The other user's number does not confirm someone else's login.
        Assert.NotEqual(ScanConfirmHandler.ConfirmedReply, await host.ReplyAsync(SafeItem(Text(other, code.ToString(System.Globalization.CultureInfo.InvariantCulture), NewMsgId()))));
        Assert.Equal(ScanLoginStates.Scanned, (await host.RowAsync(id)).State);
    }

    [Fact]
    public async Task ExpiredOrUnknownScene_AnswersInvalid_AndTheStateIsExpired()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var created = await host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ReturnUrl));
        var scene = (await host.RowAsync(created.Id)).Scene;
        await using (var db = fixture.Database.CreateContext())
        {
            await db.ScanLogins.Where(l => l.Id == created.Id).ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        Assert.Equal(QrScanHandler.ExpiredReply, await host.ReplyAsync(SafeItem(Event(NewOpenId(), "SCAN", scene))));
        Assert.Equal(ScanLoginStates.Expired, (await host.Gateway.GetScanLoginAsync(created.Id)).State);
        Assert.Equal(ScanLoginStates.Waiting, (await host.RowAsync(created.Id)).State);
        Assert.Equal(QrScanHandler.ExpiredReply, await host.ReplyAsync(SafeItem(Event(NewOpenId(), "SCAN", ScanLoginStore.NewScene()))));
    }

    [Fact]
    public async Task NumberAfterTheTwoMinuteWindow_DoesNotConfirm_AndTheStateIsExpired()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var (id, openId, code) = await host.ScannedAsync();
        await using (var db = fixture.Database.CreateContext())
        {
            await db.ScanLogins.Where(l => l.Id == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.ScannedAt, DateTimeOffset.UtcNow.AddMinutes(-2).AddSeconds(-1)));
        }

        Assert.NotEqual(ScanConfirmHandler.ConfirmedReply, await host.ReplyAsync(SafeItem(Text(openId, code.ToString(System.Globalization.CultureInfo.InvariantCulture), NewMsgId()))));

        var status = await host.Gateway.GetScanLoginAsync(id);
        Assert.Equal(ScanLoginStates.Expired, status.State);
        Assert.Null(status.ConfirmCode);
        Assert.Equal(ScanLoginStates.Scanned, (await host.RowAsync(id)).State);
    }

    [Fact]
    public async Task PlaintextNumber_WithEncodingAesKeyConfigured_IsNeverAccepted()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var (id, openId, code) = await host.ScannedAsync();

        Assert.Equal(ScanConfirmHandler.PlaintextReply, await host.ReplyAsync(Plain(Text(openId, code.ToString(System.Globalization.CultureInfo.InvariantCulture), NewMsgId()))));

        var row = await host.RowAsync(id);
        Assert.Equal(ScanLoginStates.Scanned, row.State);
        Assert.Equal(0, row.WrongAttempts);
    }

    [Fact]
    public async Task PlaintextScanEvent_WithEncodingAesKeyConfigured_NeverEndsConfirmed()
    {
        await using var host = await ScanHost.StartAsync(fixture);
        var created = await host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ReturnUrl));
        var scene = (await host.RowAsync(created.Id)).Scene;
        var openId = NewOpenId();

        // Note: a plaintext callback with a valid signature is what the public host could forge; the scan may be
        // recorded, but only a safe-mode number confirms, and the forger cannot produce one.
        Assert.Equal(QrScanHandler.ScannedReply, await host.ReplyAsync(Plain(Event(openId, "SCAN", scene))));
        var scanned = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Scanned, scanned.State);

        Assert.Equal(ScanConfirmHandler.PlaintextReply, await host.ReplyAsync(Plain(Text(openId, scanned.ConfirmCode!, NewMsgId()))));

        var after = await host.Gateway.GetScanLoginAsync(created.Id);
        Assert.Equal(ScanLoginStates.Scanned, after.State);
        Assert.Null(after.Ticket);
        Assert.Null((await host.RowAsync(created.Id)).ConfirmedAt);
    }

    /// <summary>A safe-mode item for this account (the simulator's AppId).</summary>
    internal static ClaimedItem SafeItem(string xml) => Safe(xml, appId: SimulatorFixture.AppId);

    /// <summary>The poller's registrations (data, WeChat API, OAuth, messages, gateway) with the signed gateway on a free port.</summary>
    internal sealed class ScanHost : IAsyncDisposable
    {
        private static readonly string GatewayKey = "scan-gateway-key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        private readonly WebApplication _app;
        private readonly ServiceProvider _clients;
        private readonly SimulatorFixture _fixture;

        private ScanHost(WebApplication app, Uri baseAddress, SimulatorFixture fixture)
        {
            _app = app;
            _fixture = fixture;
            var services = new ServiceCollection();
            services.AddSingleton(TimeProvider.System);
            services.AddOptions<SigningOptions>("Crm").Configure(o =>
            {
                o.Keys = [GatewayKey];
                o.ClientId = "crm";
            });
            services.AddRefitGeneratedClient<IGatewayApi>(_ => RefitJson.Settings)
                .ConfigureHttpClient(c => c.BaseAddress = baseAddress)
                .AddHttpMessageHandler(sp => new SigningHandler(sp.GetRequiredService<IOptionsMonitor<SigningOptions>>(), "Crm", TimeProvider.System));
            _clients = services.BuildServiceProvider();
            Gateway = _clients.GetRequiredService<IGatewayApi>();
        }

        public IGatewayApi Gateway { get; }

        /// <summary>The host's services (for the jobs, which the tests run by hand: Poller:Enabled=false schedules none).</summary>
        public IServiceProvider Services => _app.Services;

        public static async Task<ScanHost> StartAsync(SimulatorFixture fixture, IDictionary<string, string?>? settings = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Gateway"] = fixture.Database.Database.ServiceConnectionString,
                ["Poller:Enabled"] = "false",
                ["Push:Enabled"] = "false",
                ["Weixin:AppId"] = SimulatorFixture.AppId,
                ["Weixin:AppSecret"] = SimulatorFixture.AppSecret,
                ["Weixin:ApiBaseUrl"] = fixture.SimulatorAddress.ToString(),
                ["Weixin:Token"] = MessagesTestHost.Token,
                ["Weixin:EncodingAESKey"] = MessagesTestHost.EncodingAesKey,
                // Note: off so plaintext items reach the scan handlers, which refuse a plaintext number themselves (the
                // defence that holds when an operator turns the requirement off).
                ["Weixin:RequireSafeMode"] = "false",
                ["Messages:Enabled"] = "true",
                ["Messages:LoginUrl"] = MessagesTestHost.LoginUrl,
                ["OAuth:CallbackUrl"] = "http://127.0.0.1:5200/wx/oauth/callback",
                ["OAuth:AllowedReturnPrefixes:0"] = "http://127.0.0.1:5300/",
                ["OAuth:DefaultErrorUrl"] = "http://127.0.0.1:5300/login",
                ["GatewaySigning:Clients:0:Id"] = "crm",
                ["GatewaySigning:Clients:0:Keys:0"] = GatewayKey,
                ["CrmHook:SigningKeys:0"] = MessagesTestHost.HookKey,
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            builder.Services.AddSingleton(TimeProvider.System);
            builder.AddGatewayData();
            builder.AddWeixinApi();
            builder.AddOAuth();
            builder.AddMessages();
            builder.AddGateway();
            var app = builder.Build();
            app.UseSignedRequests();
            app.MapGateway();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ScanHost(app, new Uri(address + "/"), fixture);
        }

        /// <summary>Runs the message pipeline on the item (as the poller does after claiming it) and answers the reply text.</summary>
        public async Task<string?> ReplyAsync(ClaimedItem item)
        {
            await using var scope = _app.Services.CreateAsyncScope();
            var decision = Assert.IsType<ItemDecision.Reply>(await scope.ServiceProvider.GetRequiredService<MessageItemHandler>().HandleAsync(item, CancellationToken.None));
            if (decision.Body.Length == 0)
            {
                return null;
            }

            var body = item.Message!.EncryptType == "aes"
                ? new WeixinMessageCrypto(MessagesTestHost.EncodingAesKey, SimulatorFixture.AppId).Decrypt(WeixinXml.ReadFields(decision.Body)["Encrypt"])
                : decision.Body;
            return WeixinXml.ReadFields(body)["Content"];
        }

        public async Task<ScanLoginEntry> RowAsync(string id)
        {
            await using var db = _fixture.Database.CreateContext();
            return await db.ScanLogins.AsNoTracking().SingleAsync(l => l.Id == id);
        }

        /// <summary>A scan login scanned (in safe mode) by a new user: its id, the user, the number.</summary>
        public async Task<(string Id, string OpenId, int Code)> ScannedAsync()
        {
            var created = await Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ReturnUrl));
            var scene = (await RowAsync(created.Id)).Scene;
            var openId = NewOpenId();
            Assert.Equal(QrScanHandler.ScannedReply, await ReplyAsync(SafeItem(Event(openId, "SCAN", scene))));
            var status = await Gateway.GetScanLoginAsync(created.Id);
            Assert.Equal(ScanLoginStates.Scanned, status.State);
            return (created.Id, openId, int.Parse(status.ConfirmCode!, System.Globalization.CultureInfo.InvariantCulture));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            await _clients.DisposeAsync();
        }
    }
}

/// <summary>The simulator as an account without the QR-code permission (an unverified 服务号).</summary>
public sealed class UnverifiedServiceSimulatorFixture() : SimulatorFixture(new Dictionary<string, string> { ["Simulator__AccountType"] = "UnverifiedService" });

/// <summary>An account that may not create parametric QR codes.</summary>
public class ScanLoginUnauthorizedTests(UnverifiedServiceSimulatorFixture fixture) : IClassFixture<UnverifiedServiceSimulatorFixture>
{
    [Fact]
    public async Task Create_WhenWeChatAnswers48001_Is403WithTheAccountRequirement()
    {
        await using var host = await ScanLoginTests.ScanHost.StartAsync(fixture);

        var ex = await Assert.ThrowsAnyAsync<ApiException>(() => host.Gateway.CreateScanLoginAsync(new CreateScanLoginRequest(ScanLoginTests.ReturnUrl)));

        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        using var problem = JsonDocument.Parse(ex.Content!);
        Assert.Equal(ScanLoginApi.WeixinUnauthorized, problem.RootElement.GetProperty("code").GetString());
        Assert.Contains("带参数二维码需要已认证的服务号", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var db = fixture.Database.CreateContext();
        Assert.False(await db.ScanLogins.AnyAsync());
    }
}
