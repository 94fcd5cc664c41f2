using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Web;

namespace Weixin.Inbox.WeixinSimulator.Tests.OAuth;

/// <summary>The simulator with its OAuth defaults (网页授权域名 127.0.0.1, refusals not redirected, strict state).</summary>
public sealed class OAuthDefaultSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__Users__0__OpenId"] = "o_sim_real",
    ["Simulator__Users__0__Nickname"] = "真用户",
    ["Simulator__Users__0__UnionId"] = "u_sim_real",
    ["Simulator__Users__1__OpenId"] = "o_sim_snapshot",
    ["Simulator__Users__1__Nickname"] = "总在快照页",
    ["Simulator__Users__1__Snapshot"] = "true",
});

/// <summary>The older WeChat behaviours switched on: refusals redirect back, any state characters pass.</summary>
public sealed class OAuthOldBehaviourSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__DenyRedirects"] = "true",
    ["Simulator__LenientStateCharacters"] = "true",
    ["Simulator__OAuthDomains__0"] = "crm.example.com",
});

/// <summary>Helpers shared by the OAuth rule tests.</summary>
internal static class Authorize
{
    public static string Url(string redirectUri, string state = "abc123", string scope = "snsapi_userinfo", string extra = "") =>
        $"/connect/oauth2/authorize?appid={SimulatorProcess.AppId}&redirect_uri={Uri.EscapeDataString(redirectUri)}"
        + $"&response_type=code&scope={scope}&state={Uri.EscapeDataString(state)}{extra}";

    public static async Task<(HttpStatusCode Status, Uri? Location, string Html)> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        return (response.StatusCode, response.Headers.Location, await response.Content.ReadAsStringAsync());
    }

    public static string? Query(Uri location, string name) => HttpUtility.ParseQueryString(location.Query)[name];
}

public class AuthorizeTests(OAuthDefaultSimulator sim) : IClassFixture<OAuthDefaultSimulator>
{
    private const string Callback = "http://127.0.0.1:5999/wx/oauth/callback";

    [Fact]
    public async Task Authorize_OutsideWeixin_ShowsOpenInWeixinPage_AndIssuesNoCode()
    {
        using var desktop = sim.Client(UserAgents.DesktopChrome);
        var (status, location, html) = await Authorize.GetAsync(desktop, Authorize.Url(Callback, extra: "&sim_user=o_sim_real&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(location);
        Assert.Contains("请在微信客户端打开链接", html);
    }

    [Fact]
    public async Task Decide_OutsideWeixin_ShowsOpenInWeixinPage()
    {
        using var desktop = sim.Client(UserAgents.DesktopChrome);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = SimulatorProcess.AppId, ["redirect_uri"] = Callback, ["response_type"] = "code",
            ["scope"] = "snsapi_userinfo", ["state"] = "abc", ["decision"] = "allow", ["sim_user"] = "o_sim_real",
        });
        using var response = await desktop.PostAsync("/connect/oauth2/authorize/decide", form);

        Assert.Null(response.Headers.Location);
        Assert.Contains("请在微信客户端打开链接", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Authorize_InWeixin_RedirectsWithCodeAndState()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, _) = await Authorize.GetAsync(phone, Authorize.Url(Callback, "Abc123XYZ", extra: "&sim_user=o_sim_real&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.StartsWith(Callback + "?code=", location!.ToString());
        Assert.Equal("Abc123XYZ", Authorize.Query(location, "state"));
    }

    [Theory]
    [InlineData("with-dash")]
    [InlineData("with_underscore")]
    [InlineData("base64url+/=")]
    public async Task Authorize_StateOutsideLettersAndDigits_IsRefused(string state)
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, html) = await Authorize.GetAsync(phone, Authorize.Url(Callback, state, extra: "&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(location);
        Assert.Contains("state 参数错误", html);
    }

    [Fact]
    public async Task Authorize_StateOf128Bytes_IsAccepted_129IsRefused()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var ok = await Authorize.GetAsync(phone, Authorize.Url(Callback, new string('a', 128), extra: "&sim_auto=allow"));
        var tooLong = await Authorize.GetAsync(phone, Authorize.Url(Callback, new string('a', 129), extra: "&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.Redirect, ok.Status);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Contains("state 参数错误", tooLong.Html);
    }

    [Theory]
    [InlineData("http://localhost:5999/wx/oauth/callback")]
    [InlineData("http://127.0.0.2/wx/oauth/callback")]
    [InlineData("https://evil.example/wx/oauth/callback")]
    public async Task Authorize_RedirectUriOffTheAuthorizedDomain_ShowsRedirectUriError(string redirectUri)
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, html) = await Authorize.GetAsync(phone, Authorize.Url(redirectUri, extra: "&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(location);
        Assert.Contains("redirect_uri 参数错误", html);
    }

    [Theory]
    [InlineData("http://127.0.0.1/cb")]
    [InlineData("http://127.0.0.1:5000/wx/oauth/callback")]
    [InlineData("https://127.0.0.1:8443/any/path?x=1")]
    public async Task Authorize_RedirectUriOnTheAuthorizedHost_AnyPortOrPath_IsAccepted(string redirectUri)
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, _, _) = await Authorize.GetAsync(phone, Authorize.Url(redirectUri, extra: "&sim_auto=allow"));
        Assert.Equal(HttpStatusCode.Redirect, status);
    }

    [Fact]
    public async Task Authorize_Refused_StaysOnWeixinsPage_NoRedirect()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, html) = await Authorize.GetAsync(phone, Authorize.Url(Callback, extra: "&sim_auto=deny"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(location);
        Assert.Contains("你已拒绝授权", html);
    }

    [Fact]
    public async Task SimSnapshot_CodeExchange_AnswersIsSnapshotUserWithAVirtualOpenId()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, _) = await Authorize.GetAsync(phone, Authorize.Url(Callback, extra: "&sim_user=o_sim_real&sim_snapshot=1"));
        Assert.Equal(HttpStatusCode.Redirect, status);

        var token = await ExchangeAsync(Authorize.Query(location!, "code")!);
        Assert.Equal(1, token.GetProperty("is_snapshotuser").GetInt32());
        Assert.NotEqual("o_sim_real", token.GetProperty("openid").GetString());
        Assert.NotEqual("u_sim_real", token.GetProperty("unionid").GetString());

        // sns/userinfo gives the virtual account, never the real user's profile.
        using var http = sim.Client();
        var info = await http.GetFromJsonAsync<JsonElement>(
            $"/sns/userinfo?access_token={token.GetProperty("access_token").GetString()}&openid={token.GetProperty("openid").GetString()}&lang=zh_CN");
        Assert.NotEqual("真用户", info.GetProperty("nickname").GetString());
    }

    [Fact]
    public async Task SnapshotTestUser_IsAlwaysVirtual_ButSnsapiBaseNeverIs()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var userinfo = await Authorize.GetAsync(phone, Authorize.Url(Callback, extra: "&sim_user=o_sim_snapshot&sim_auto=allow"));
        var silent = await Authorize.GetAsync(phone, Authorize.Url(Callback, scope: "snsapi_base", extra: "&sim_user=o_sim_snapshot&sim_auto=allow"));

        var snapshot = await ExchangeAsync(Authorize.Query(userinfo.Location!, "code")!);
        var base_ = await ExchangeAsync(Authorize.Query(silent.Location!, "code")!);
        Assert.Equal(1, snapshot.GetProperty("is_snapshotuser").GetInt32());
        Assert.NotEqual("o_sim_snapshot", snapshot.GetProperty("openid").GetString());
        Assert.False(base_.TryGetProperty("is_snapshotuser", out _));
        Assert.Equal("o_sim_snapshot", base_.GetProperty("openid").GetString());
    }

    [Fact]
    public async Task NormalUser_CodeExchange_HasNoIsSnapshotUserField()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (_, location, _) = await Authorize.GetAsync(phone, Authorize.Url(Callback, extra: "&sim_user=o_sim_real&sim_auto=allow"));

        var token = await ExchangeAsync(Authorize.Query(location!, "code")!);
        Assert.Equal("o_sim_real", token.GetProperty("openid").GetString());
        Assert.False(token.TryGetProperty("is_snapshotuser", out _));
    }

    private async Task<JsonElement> ExchangeAsync(string code)
    {
        using var http = sim.Client();
        return await http.GetFromJsonAsync<JsonElement>(
            $"/sns/oauth2/access_token?appid={SimulatorProcess.AppId}&secret={SimulatorProcess.AppSecret}&code={code}&grant_type=authorization_code");
    }
}

public class AuthorizeOldBehaviourTests(OAuthOldBehaviourSimulator sim) : IClassFixture<OAuthOldBehaviourSimulator>
{
    [Fact]
    public async Task DenyRedirects_Refused_RedirectsWithStateOnly()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, _) = await Authorize.GetAsync(phone, Authorize.Url("https://crm.example.com/cb", "s1", extra: "&sim_auto=deny"));

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("https://crm.example.com/cb?state=s1", location!.ToString());
    }

    [Fact]
    public async Task LenientStateCharacters_StateWithDashAndUnderscore_ComesBackUnchanged()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, location, _) = await Authorize.GetAsync(phone, Authorize.Url("https://crm.example.com/cb", "a-b_c", extra: "&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("a-b_c", Authorize.Query(location!, "state"));
    }

    [Fact]
    public async Task LenientStateCharacters_StillRefusesMoreThan128Bytes()
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, _, html) = await Authorize.GetAsync(phone, Authorize.Url("https://crm.example.com/cb", new string('-', 129), extra: "&sim_auto=allow"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("state 参数错误", html);
    }

    [Theory]
    [InlineData("https://crm.example.com:8443/cb", HttpStatusCode.Redirect)]
    [InlineData("http://crm.example.com/any/page", HttpStatusCode.Redirect)]
    [InlineData("https://pay.example.com/cb", HttpStatusCode.BadRequest)]
    [InlineData("https://example.com/cb", HttpStatusCode.BadRequest)]
    [InlineData("http://127.0.0.1:5000/cb", HttpStatusCode.BadRequest)]
    public async Task ConfiguredDomain_ComparesTheFullHostOnly(string redirectUri, HttpStatusCode expected)
    {
        using var phone = sim.Client(UserAgents.WeixinPhone);
        var (status, _, _) = await Authorize.GetAsync(phone, Authorize.Url(redirectUri, extra: "&sim_auto=allow"));
        Assert.Equal(expected, status);
    }
}
