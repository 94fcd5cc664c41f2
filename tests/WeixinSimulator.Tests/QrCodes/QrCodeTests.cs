using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.QrCodes;

/// <summary>The simulator posting callbacks to a <see cref="CallbackReceiver"/>; no wait for customer-service messages.</summary>
public sealed class QrSimulator : SimulatorProcess, IDisposable
{
    public const string Token = "qr_test_token";

    public QrSimulator()
        : this(new CallbackReceiver())
    {
    }

    private QrSimulator(CallbackReceiver receiver)
        : base(new Dictionary<string, string>
        {
            ["Simulator__CallbackUrl"] = receiver.Url,
            ["Simulator__Token"] = Token,
            ["Simulator__CustomerServiceWait"] = "00:00:00",
        }) => Receiver = receiver;

    public CallbackReceiver Receiver { get; }

    public void Dispose() => Receiver.Dispose();
}

/// <summary>
/// Temporary codes beyond 2592000 s are created with the maximum (the doc is silent; the other reading); room for only
/// 2 permanent codes instead of 100000, so a test can reach the limit.
/// </summary>
public sealed class QrClampSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__QrExpireOutOfRange"] = "Clamp",
    ["Simulator__QrPermanentLimit"] = "2",
});

/// <summary>
/// 生成带参数的二维码 (https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html)
/// and the events a scan pushes (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html),
/// spoken to as the poller and a phone would.
/// </summary>
public class QrCodeTests(QrSimulator sim) : IClassFixture<QrSimulator>
{
    private async Task<JsonElement> CreateAsync(object body) => await sim.CallAsync("/cgi-bin/qrcode/create", body, await sim.ApiTokenAsync());

    private static object Temporary(string action, object scene, int? expire = null) => expire is { } e
        ? new { expire_seconds = e, action_name = action, action_info = new { scene } }
        : new { action_name = action, action_info = new { scene } };

    private static object Permanent(string action, object scene) => new { action_name = action, action_info = new { scene } };

    private static int Errcode(JsonElement answer) => answer.TryGetProperty("errcode", out var e) ? e.GetInt32() : 0;

    private async Task<(HttpStatusCode Status, JsonElement Body)> ScanAsync(string openId, string url, string mode = "plain")
    {
        using var http = sim.Client();
        using var response = await http.PostAsJsonAsync($"/sim/users/{openId}/scan", new { url, mode });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task Create_EachActionType_AnswersTicketAndAUrlTheSimulatorServes()
    {
        var answers = new[]
        {
            (Temporary: true, Answer: await CreateAsync(Temporary("QR_SCENE", new { scene_id = 123 }, 300))),
            (Temporary: true, Answer: await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "login_abc" }, 300))),
            (Temporary: false, Answer: await CreateAsync(Permanent("QR_LIMIT_SCENE", new { scene_id = 100000 }))),
            (Temporary: false, Answer: await CreateAsync(Permanent("QR_LIMIT_STR_SCENE", new { scene_str = "shop-1" }))),
        };

        using var http = sim.Client();
        foreach (var (temporary, answer) in answers)
        {
            Assert.False(answer.TryGetProperty("errcode", out _), answer.ToString());
            Assert.False(string.IsNullOrEmpty(answer.GetProperty("ticket").GetString()));
            Assert.Equal(temporary, answer.TryGetProperty("expire_seconds", out var expire));
            if (temporary)
            {
                Assert.Equal(300, expire.GetInt32());
            }

            var url = new Uri(answer.GetProperty("url").GetString()!);
            Assert.Equal(sim.Address.Authority, url.Authority);
            Assert.StartsWith("/q/", url.AbsolutePath);
            var page = await http.GetStringAsync(url);
            Assert.Contains("公众号带参数二维码", page);
        }

        Assert.Equal(4, answers.Select(a => a.Answer.GetProperty("ticket").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Create_TemporaryWithoutExpireSeconds_Lives60Seconds()
    {
        var answer = await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "x" }));

        Assert.Equal(60, answer.GetProperty("expire_seconds").GetInt32());
    }

    [Fact]
    public async Task Create_SceneOutOfBounds_Answers40053()
    {
        Assert.Equal(0, Errcode(await CreateAsync(Temporary("QR_SCENE", new { scene_id = 4294967295L }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Temporary("QR_SCENE", new { scene_id = 0 }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Temporary("QR_SCENE", new { scene_id = 4294967296L }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Temporary("QR_SCENE", new { scene_id = -5 }))));
        Assert.Equal(0, Errcode(await CreateAsync(Permanent("QR_LIMIT_SCENE", new { scene_id = 1 }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Permanent("QR_LIMIT_SCENE", new { scene_id = 100001 }))));
        Assert.Equal(0, Errcode(await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = new string('a', 64) }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = new string('a', 65) }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Permanent("QR_LIMIT_STR_SCENE", new { scene_str = "" }))));
        // A string code needs scene_str, an integer code scene_id.
        Assert.Equal(40053, Errcode(await CreateAsync(Temporary("QR_STR_SCENE", new { scene_id = 7 }))));
        Assert.Equal(40053, Errcode(await CreateAsync(Permanent("QR_LIMIT_SCENE", new { scene_str = "7" }))));
        // The scene must sit inside action_info.scene.
        Assert.Equal(40053, Errcode(await CreateAsync(new { action_name = "QR_SCENE", action_info = new { scene_id = 7 } })));
    }

    [Fact]
    public async Task Create_BadActionNameOrBody_Answers40052()
    {
        Assert.Equal(40052, Errcode(await CreateAsync(Temporary("qr_scene", new { scene_id = 1 }))));
        Assert.Equal(40052, Errcode(await CreateAsync(Temporary("QR_TEMP", new { scene_id = 1 }))));
        Assert.Equal(40052, Errcode(await CreateAsync(new { action_info = new { scene = new { scene_id = 1 } } })));

        using var http = sim.Client();
        using var content = new StringContent("{'action_name': 'QR_SCENE'}", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/cgi-bin/qrcode/create?access_token={await sim.ApiTokenAsync()}", content);
        Assert.Equal(40052, Errcode(await response.Content.ReadFromJsonAsync<JsonElement>()));
    }

    [Fact]
    public async Task Create_ExpireBeyond2592000_Answers40097ByDefault()
    {
        Assert.Equal(2592000, (await CreateAsync(Temporary("QR_SCENE", new { scene_id = 9 }, 2592000))).GetProperty("expire_seconds").GetInt32());
        Assert.Equal(40097, Errcode(await CreateAsync(Temporary("QR_SCENE", new { scene_id = 9 }, 2592001))));
        Assert.Equal(40097, Errcode(await CreateAsync(Temporary("QR_SCENE", new { scene_id = 9 }, 0))));
    }

    [Fact]
    public async Task Create_WithoutToken_Answers41001()
    {
        using var http = sim.Client();
        using var response = await http.PostAsJsonAsync("/cgi-bin/qrcode/create", Temporary("QR_SCENE", new { scene_id = 1 }));
        Assert.Equal(41001, Errcode(await response.Content.ReadFromJsonAsync<JsonElement>()));
    }

    [Fact]
    public async Task Create_OnAnAccountThatIsNotAVerifiedServiceAccount_Answers48001()
    {
        var token = await sim.ApiTokenAsync();
        using var http = sim.Client();
        try
        {
            foreach (var type in new[] { "UnverifiedService", "VerifiedSubscription", "UnverifiedSubscription" })
            {
                (await http.PutAsJsonAsync("/sim/account-type", new { accountType = type })).EnsureSuccessStatusCode();
                var answer = await sim.CallAsync("/cgi-bin/qrcode/create", Temporary("QR_STR_SCENE", new { scene_str = "a" }, 300), token);
                Assert.Equal(48001, Errcode(answer));
            }
        }
        finally
        {
            (await http.PutAsJsonAsync("/sim/account-type", new { accountType = "VerifiedService" })).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task Scan_ByAFollower_PushesScanWithTheSceneAndTicket_SignedAsWeChatSigns()
    {
        var openId = await sim.AddUserAsync();
        var qr = await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "login_7f3a" }, 300));
        var ticket = qr.GetProperty("ticket").GetString()!;

        var (status, answer) = await ScanAsync(openId, qr.GetProperty("url").GetString()!);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SCAN", answer.GetProperty("event").GetString());
        Assert.Equal("login_7f3a", answer.GetProperty("eventKey").GetString());
        Assert.Equal("passive", answer.GetProperty("via").GetString());
        Assert.Equal("已收到 SCAN", answer.GetProperty("reply").GetString());

        var callback = Assert.Single(sim.Receiver.For(openId));
        Assert.Equal("event", callback.Field("MsgType"));
        Assert.Equal("SCAN", callback.Field("Event"));
        Assert.Equal("login_7f3a", callback.Field("EventKey"));
        Assert.Equal(ticket, callback.Field("Ticket"));
        Assert.Equal(openId, callback.Field("FromUserName"));
        Assert.Matches("^[0-9]+$", callback.Field("CreateTime"));
        Assert.Equal(Sha1(QrSimulator.Token, callback.Query["timestamp"], callback.Query["nonce"]), callback.Query["signature"]);

        var received = await sim.ReceivedAsync(openId);
        Assert.Equal("已收到 SCAN", Assert.Single(received).GetProperty("text").GetString());
    }

    [Fact]
    public async Task Scan_ByANonFollower_FollowsAndPushesSubscribeWithQrscenePrefix()
    {
        var openId = await sim.AddUserAsync();
        using var http = sim.Client();
        (await http.PostAsJsonAsync($"/sim/users/{openId}/conversation", new { following = false })).EnsureSuccessStatusCode();
        var qr = await CreateAsync(Temporary("QR_SCENE", new { scene_id = 4242 }, 300));

        var (status, answer) = await ScanAsync(openId, qr.GetProperty("url").GetString()!);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("subscribe", answer.GetProperty("event").GetString());
        var callback = Assert.Single(sim.Receiver.For(openId));
        Assert.Equal("subscribe", callback.Field("Event"));
        Assert.Equal("qrscene_4242", callback.Field("EventKey"));
        Assert.Equal(qr.GetProperty("ticket").GetString(), callback.Field("Ticket"));

        using var state = await http.PostAsJsonAsync($"/sim/users/{openId}/conversation", new { });
        var conversation = await state.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(conversation.GetProperty("following").GetBoolean());
        var grant = Assert.Single(conversation.GetProperty("grants").EnumerateArray());
        Assert.Equal("follow", grant.GetProperty("kind").GetString());
        Assert.Equal(3, grant.GetProperty("allowed").GetInt32());
    }

    [Fact]
    public async Task Scan_InSafeMode_PostsOnlyTheEncryptedEnvelope()
    {
        var openId = await sim.AddUserAsync();
        var qr = await CreateAsync(Permanent("QR_LIMIT_STR_SCENE", new { scene_str = "aes-scene" }));

        var (status, answer) = await ScanAsync(openId, qr.GetProperty("url").GetString()!, "aes");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SCAN", answer.GetProperty("event").GetString());
        var callback = Assert.Single(sim.Receiver.For(openId));
        Assert.Equal("aes", callback.Query["encrypt_type"]);
        var encrypt = callback.Field("Encrypt");
        Assert.False(string.IsNullOrEmpty(encrypt));
        Assert.Null(callback.Field("Event"));
        Assert.Null(callback.Field("Ticket"));
        Assert.Equal(Sha1(QrSimulator.Token, callback.Query["timestamp"], callback.Query["nonce"], encrypt!), callback.Query["msg_signature"]);
    }

    [Fact]
    public async Task Scan_OfAnExpiredCode_Answers410AndPushesNothing()
    {
        var openId = await sim.AddUserAsync();
        var qr = await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "short" }, 1));
        var url = qr.GetProperty("url").GetString()!;

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var (status, answer) = await ScanAsync(openId, url);

        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Contains("expired", answer.GetProperty("title").GetString());
        Assert.Empty(sim.Receiver.For(openId));
        Assert.Empty(await sim.ReceivedAsync(openId));
        using var http = sim.Client();
        using var page = await http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
    }

    [Fact]
    public async Task Scan_OfAnUnknownCode_Answers404AndPushesNothing()
    {
        var openId = await sim.AddUserAsync();

        var (status, answer) = await ScanAsync(openId, new Uri(sim.Address, "/q/not-a-code").ToString());

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Unknown QR code", answer.GetProperty("title").GetString());
        Assert.Empty(sim.Receiver.For(openId));
    }

    [Fact]
    public async Task ChatPage_ScanBox_ScansThePastedUrlAsTheChosenUser()
    {
        var openId = await sim.AddUserAsync("扫码用户");
        var qr = await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "chat_scan" }, 300));
        using var http = sim.Client();
        Assert.Contains("扫一扫", await http.GetStringAsync($"/sim/chat?openid={openId}"));

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["openid"] = openId,
            ["mode"] = "plain",
            ["type"] = "scan",
            ["qrUrl"] = qr.GetProperty("url").GetString()!,
        });
        using var response = await http.PostAsync("/sim/chat", form);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Contains("扫码后微信推送了 SCAN 事件（EventKey chat_scan）", page);
        Assert.Contains("已收到 SCAN", page);
        Assert.Equal("chat_scan", Assert.Single(sim.Receiver.For(openId)).Field("EventKey"));
    }

    [Fact]
    public async Task ChatPage_ScanBox_OffersTheTemporaryCodesValidNow_NewestFilledIn()
    {
        var openId = await sim.AddUserAsync("看屏幕的用户");
        var older = (await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "screen_older" }, 300))).GetProperty("url").GetString()!;
        var newer = (await CreateAsync(Temporary("QR_STR_SCENE", new { scene_str = "screen_newer" }, 300))).GetProperty("url").GetString()!;
        var permanent = (await CreateAsync(Permanent("QR_LIMIT_STR_SCENE", new { scene_str = "screen_permanent" }))).GetProperty("url").GetString()!;
        using var http = sim.Client();

        var page = await http.GetStringAsync($"/sim/chat?openid={openId}");

        // Note: the code part of each URL identifies it (the page builds URLs from its own host, the API from the caller's).
        static string Code(string url) => new Uri(url).AbsolutePath;
        var input = System.Text.RegularExpressions.Regex.Match(page, "<input name=\"qrUrl\" id=\"scan-url\"[^>]*value=\"([^\"]*)\"").Groups[1].Value;
        Assert.EndsWith(Code(newer), input, StringComparison.Ordinal);
        var datalist = page[page.IndexOf("<datalist id=\"scan-screen\">", StringComparison.Ordinal)..page.IndexOf("</datalist>", StringComparison.Ordinal)];
        Assert.True(datalist.IndexOf(Code(newer), StringComparison.Ordinal) < datalist.IndexOf(Code(older), StringComparison.Ordinal), "newest first");
        Assert.DoesNotContain(Code(permanent), datalist, StringComparison.Ordinal);
    }

    private static string Sha1(params string[] parts)
    {
        Array.Sort(parts, StringComparer.Ordinal);
#pragma warning disable CA5350 // Note: SHA1 is what WeChat's callback signature prescribes.
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
#pragma warning restore CA5350
    }
}

public class QrCodeClampTests(QrClampSimulator sim) : IClassFixture<QrClampSimulator>
{
    [Fact]
    public async Task Create_ExpireBeyond2592000_WithClamp_LivesTheMaximum()
    {
        var answer = await sim.CallAsync("/cgi-bin/qrcode/create",
            new { expire_seconds = 9_999_999, action_name = "QR_SCENE", action_info = new { scene = new { scene_id = 5 } } }, await sim.ApiTokenAsync());

        Assert.Equal(2592000, answer.GetProperty("expire_seconds").GetInt32());
    }

    [Fact]
    public async Task Create_PermanentBeyondTheLimit_Answers45029_TemporaryStillWork()
    {
        var token = await sim.ApiTokenAsync();
        object Permanent(int id) => new { action_name = "QR_LIMIT_SCENE", action_info = new { scene = new { scene_id = id } } };

        Assert.False((await sim.CallAsync("/cgi-bin/qrcode/create", Permanent(1), token)).TryGetProperty("errcode", out _));
        Assert.False((await sim.CallAsync("/cgi-bin/qrcode/create", Permanent(2), token)).TryGetProperty("errcode", out _));
        var refused = await sim.CallAsync("/cgi-bin/qrcode/create", Permanent(3), token);
        var temporary = await sim.CallAsync("/cgi-bin/qrcode/create",
            new { expire_seconds = 300, action_name = "QR_SCENE", action_info = new { scene = new { scene_id = 3 } } }, token);

        Assert.Equal(45029, refused.GetProperty("errcode").GetInt32());
        Assert.Equal(300, temporary.GetProperty("expire_seconds").GetInt32());
    }
}
