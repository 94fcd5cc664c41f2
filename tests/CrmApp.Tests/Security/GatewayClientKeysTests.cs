using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Security;

/// <summary>
/// Issue 13 item 12, as an attacker (or a misconfigured LAN app) sends it to the real processes: every LAN app signs
/// with keys of its own and names itself, the gateway keeps what each started apart, and the CRM's message hook has a
/// key that no gateway client holds. The system runs mid-rotation: the CRM signs with its new client key while the
/// gateway still accepts the old one, and the poller signs the hook with a new hook key that the CRM accepts beside the
/// old one.
/// </summary>
public sealed class GatewayClientKeysTests(GatewayClientKeysTests.Fixture fixture) : IClassFixture<GatewayClientKeysTests.Fixture>
{
    private const string OtherClient = "intranet-b";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private string NewClientKey => fixture.NewClientKey;
    private string NewHookKey => fixture.NewHookKey;
    private string OtherClientKey => fixture.OtherClientKey;
    private CrmSystem Crm => fixture.System;

    private LoginSystem Login => Crm.Login;

    /// <summary>The CRM's client key before the rotation (still accepted by the gateway as its second key).</summary>
    private string OldClientKey => Login.GatewayKey;

    /// <summary>The hook key before the rotation (still accepted by the CRM as its first hook key).</summary>
    private string OldHookKey => Login.HookKey;

    /// <summary>One system for the class, started mid-rotation.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public string NewClientKey { get; } = NewKey();
        public string NewHookKey { get; } = NewKey();
        public string OtherClientKey { get; } = NewKey();
        public CrmSystem System { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            System = await CrmSystem.StartAsync("client-keys",
                new LoginSystemSettings
                {
                    PollerEnvironment = new Dictionary<string, string>
                    {
                        // Note: LoginSystem sets Clients:0 = crm with the old key as Keys:0; the new key joins as Keys:1.
                        ["GatewaySigning__Clients__0__Keys__1"] = NewClientKey,
                        ["GatewaySigning__Clients__1__Id"] = OtherClient,
                        ["GatewaySigning__Clients__1__Keys__0"] = OtherClientKey,
                        // Note: the poller has switched to the new hook key; the CRM accepts both (below).
                        ["CrmHook__SigningKeys__0"] = NewHookKey,
                    },
                },
                new Dictionary<string, string>
                {
                    ["Gateway__ClientKey"] = NewClientKey,
                    ["Gateway__HookKeys__1"] = NewHookKey,
                });
        }

        public async Task DisposeAsync() => await System.DisposeAsync();
    }

    [Fact]
    public async Task GatewayRequest_SignedWithCrmKey_ButClaimingAnotherClient_Is401()
    {
        var before = await CountAsync("SELECT COUNT(*) AS n FROM weixin_logins");

        // The CRM's key signs a request that names the other client: the gateway checks it against that client's keys.
        using var claimed = await SendToGatewayAsync(HttpMethod.Post, "/gateway/v1/logins", new CreateLoginRequest(Login.ReturnUrl), NewClientKey, OtherClient);
        // Signed as the CRM, then the header is swapped: the client id is part of the signed string.
        using var swapped = await SendToGatewayAsync(HttpMethod.Post, "/gateway/v1/logins", new CreateLoginRequest(Login.ReturnUrl), NewClientKey, LoginSystem.ClientId, headerClient: OtherClient);

        Assert.Equal(HttpStatusCode.Unauthorized, claimed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, swapped.StatusCode);
        Assert.Equal(before, await CountAsync("SELECT COUNT(*) AS n FROM weixin_logins"));
    }

    [Fact]
    public async Task GatewayRequest_UnknownOrMissingClient_Is401WithOneReason_AndLogged()
    {
        using var unknown = await SendToGatewayAsync(HttpMethod.Get, "/gateway/v1/users/o_nobody", null, NewClientKey, "nobody");
        // Note: the form before client ids (no client header, the old signed string).
        using var missing = await SendToGatewayAsync(HttpMethod.Get, "/gateway/v1/users/o_nobody", null, NewClientKey, client: null);

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("UnknownClient", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal("UnknownClient", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        await WaitForAsync(() => File.Exists(Login.Poller.JsonLogPath)
            && ReadShared(Login.Poller.JsonLogPath).Contains("unknown client", StringComparison.Ordinal)
            && ReadShared(Login.Poller.JsonLogPath).Contains("\"ClaimedClient\":\"nobody\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GatewayRequest_SignedWithTheHookKey_Is401()
    {
        using var response = await SendToGatewayAsync(HttpMethod.Get, "/gateway/v1/users/o_nobody", null, NewHookKey, LoginSystem.ClientId);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ClientKeyRotation_OldAndNewKeyBothAccepted_AndTheLoginRecordsTheClient()
    {
        using var withNew = await SendToGatewayAsync(HttpMethod.Post, "/gateway/v1/logins", new CreateLoginRequest(Login.ReturnUrl), NewClientKey, LoginSystem.ClientId);
        using var withOld = await SendToGatewayAsync(HttpMethod.Post, "/gateway/v1/logins", new CreateLoginRequest(Login.ReturnUrl), OldClientKey, LoginSystem.ClientId);
        using var other = await SendToGatewayAsync(HttpMethod.Post, "/gateway/v1/logins", new CreateLoginRequest(Login.ReturnUrl), OtherClientKey, OtherClient);

        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        var crmLogin = (await withNew.Content.ReadFromJsonAsync<CreateLoginResponse>(Web))!.LoginId;
        var otherLogin = (await other.Content.ReadFromJsonAsync<CreateLoginResponse>(Web))!.LoginId;
        Assert.Equal(LoginSystem.ClientId, await ClientOfAsync("weixin_logins", crmLogin));
        Assert.Equal(OtherClient, await ClientOfAsync("weixin_logins", otherLogin));
    }

    [Fact]
    public async Task DeviceConfirmation_StartedByTheCrm_IsInvisibleToAnotherClient_AndItsTicketRedeemsOnlyForTheCrm()
    {
        var openId = await Login.AddWeixinUserAsync("两个应用");
        await Login.SendAsUserAsync(openId, "subscribe", mode: "aes");
        using var created = await SendToGatewayAsync(HttpMethod.Post, "/gateway/v1/device-confirmations",
            new CreateDeviceConfirmationRequest(openId, Login.ReturnUrl), NewClientKey, LoginSystem.ClientId);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var login = (await created.Content.ReadFromJsonAsync<ScanLoginStatus>(Web))!;
        Assert.Equal(LoginSystem.ClientId, await ClientOfAsync("scan_logins", login.Id));

        // Another LAN app that learnt the id sees no login, so no number and no ticket.
        using (var peek = await SendToGatewayAsync(HttpMethod.Get, $"/gateway/v1/scan-logins/{login.Id}", null, OtherClientKey, OtherClient))
        {
            Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);
        }

        await Login.SendAsUserAsync(openId, "text", login.ConfirmCode, mode: "aes");
        ScanLoginStatus? confirmed = null;
        await WaitForAsync(async () =>
        {
            using var poll = await SendToGatewayAsync(HttpMethod.Get, $"/gateway/v1/scan-logins/{login.Id}", null, NewClientKey, LoginSystem.ClientId);
            confirmed = await poll.Content.ReadFromJsonAsync<ScanLoginStatus>(Web);
            return confirmed?.State == ScanLoginStates.Confirmed;
        });
        var ticket = Assert.IsType<string>(confirmed!.Ticket);

        using var stolen = await SendToGatewayAsync(HttpMethod.Post, $"/gateway/v1/logins/{login.Id}/redeem", new RedeemTicketRequest(ticket), OtherClientKey, OtherClient);
        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
        Assert.Equal(LoginErrors.TicketInvalid, (await stolen.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(LoginSystem.ClientId, await ClientOfAsync("weixin_logins", login.Id));

        // The refusal did not use the ticket up: the CRM that started the login still redeems it.
        using var own = await SendToGatewayAsync(HttpMethod.Post, $"/gateway/v1/logins/{login.Id}/redeem", new RedeemTicketRequest(ticket), NewClientKey, LoginSystem.ClientId);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(openId, (await own.Content.ReadFromJsonAsync<RedeemTicketResponse>(Web))!.User.OpenId);
    }

    [Fact]
    public async Task Hook_SignedWithAClientKey_IsRefusedByTheCrm()
    {
        var request = new MessageHookRequest("o_forged", "text", "客户 张", null, null, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "1");

        // The CRM's own client key (which the CRM, or whoever took it, holds) cannot sign a hook call, with or without its client id.
        using var crmKey = await SendToCrmHookAsync(request, NewClientKey, client: null);
        using var crmKeyNamed = await SendToCrmHookAsync(request, NewClientKey, LoginSystem.ClientId);
        using var oldCrmKey = await SendToCrmHookAsync(request, OldClientKey, client: null);
        // Another LAN app's key neither.
        using var otherKey = await SendToCrmHookAsync(request, OtherClientKey, client: null);

        Assert.Equal(HttpStatusCode.Unauthorized, crmKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, crmKeyNamed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldCrmKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherKey.StatusCode);
    }

    [Fact]
    public async Task HookKeyRotation_OldAndNewHookKeysBothAccepted()
    {
        var request = new MessageHookRequest("o_unbound_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), "text", "帮助", null, null, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "2");

        using var withOld = await SendToCrmHookAsync(request, OldHookKey, client: null);
        using var withNew = await SendToCrmHookAsync(request, NewHookKey, client: null);

        Assert.Equal(HttpStatusCode.OK, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.StartsWith("可用指令", (await withNew.Content.ReadFromJsonAsync<MessageHookResponse>(Web))!.ReplyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MidRotation_TheHookStillAnswersThroughWeixin_AndTheCrmStillReachesTheGateway()
    {
        var openId = await Login.AddWeixinUserAsync("轮换");

        // The poller signs the hook with the new hook key; the CRM signs its gateway calls with its new client key.
        var delivery = await Login.SendAsUserAsync(openId, "text", "帮助", mode: "aes");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Crm.BaseAddress };
        browser.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgents.WeixinPhone);
        using var start = await browser.GetAsync("/login/weixin");

        Assert.StartsWith("可用指令", delivery.Reply, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.StartsWith(Login.Simulator.BaseAddress.ToString(), start.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.True(await CountAsync($"SELECT COUNT(*) AS n FROM weixin_logins WHERE client_id = '{LoginSystem.ClientId}'") > 0);
    }

    private async Task<HttpResponseMessage> SendToGatewayAsync(HttpMethod method, string target, object? body, string key, string? client, string? headerClient = null) =>
        await SendSignedAsync(Login.Poller.BaseAddress, method, target, body, key, client, headerClient ?? client);

    private async Task<HttpResponseMessage> SendToCrmHookAsync(MessageHookRequest request, string key, string? client) =>
        await SendSignedAsync(Crm.BaseAddress, HttpMethod.Post, "/weixin/hook/message", request, key, client, client);

    /// <summary>A request signed by hand, so a test can sign one client id and send another.</summary>
    private static async Task<HttpResponseMessage> SendSignedAsync(Uri baseAddress, HttpMethod method, string target, object? body, string key, string? signedClient, string? headerClient)
    {
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Web);
        var id = "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = RequestSignature.Compute(RequestSignature.KeyBytes(key), signedClient, id, timestamp, method.Method, target, bytes);
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(method, target);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.Add(SignedRequestHeaders.Id, id);
        request.Headers.Add(SignedRequestHeaders.Timestamp, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(SignedRequestHeaders.Signature, RequestSignature.Version + "," + signature);
        if (headerClient is not null)
        {
            request.Headers.Add(SignedRequestHeaders.Client, headerClient);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<string?> ClientOfAsync(string table, string id) =>
        (await Login.Database.QueryAsync(Login.Database.GatewayDatabase, $"SELECT client_id FROM {table} WHERE id = @id", ("@id", id))).Single()["client_id"] as string;

    private async Task<long> CountAsync(string sql) =>
        Convert.ToInt64((await Login.Database.QueryAsync(Login.Database.GatewayDatabase, sql)).Single()["n"], System.Globalization.CultureInfo.InvariantCulture);

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(() => Task.FromResult(condition()));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "The expected outcome did not happen within 20 s.");
            await Task.Delay(200);
        }
    }

    private static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
