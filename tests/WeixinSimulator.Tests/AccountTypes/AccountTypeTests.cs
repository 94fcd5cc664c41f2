using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.AccountTypes;

/// <summary>What each kind of 公众号 may call (公众号接口权限说明), spoken to over HTTP as the poller and a phone would.</summary>
public abstract class AccountTypeTestsBase(SimulatorProcess sim)
{
    protected async Task<int> TemplateAsync()
    {
        var openId = await sim.AddUserAsync();
        var answer = await sim.CallAsync("/cgi-bin/message/template/send",
            new { touser = openId, template_id = "TPL_FOLLOW_UP", data = new { keyword1 = new { value = "张伟" } } }, await sim.ApiTokenAsync());
        return answer.GetProperty("errcode").GetInt32();
    }

    protected async Task<int> CustomAsync()
    {
        var answer = await sim.CallAsync("/cgi-bin/message/custom/send",
            new { touser = "o_not_a_user", msgtype = "text", text = new { content = "你好" } }, await sim.ApiTokenAsync());
        return answer.GetProperty("errcode").GetInt32();
    }

    protected async Task<int> MenuGetAsync()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/menu/get?access_token={await sim.ApiTokenAsync()}");
        return answer.GetProperty("errcode").GetInt32();
    }

    protected async Task<int> CodeExchangeAsync()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>(
            $"/sns/oauth2/access_token?appid={SimulatorProcess.AppId}&secret={SimulatorProcess.AppSecret}&code=CODE&grant_type=authorization_code");
        return answer.GetProperty("errcode").GetInt32();
    }

    protected async Task<(HttpStatusCode Status, string? Location, string Body)> AuthorizeAsync()
    {
        using var http = sim.Client();
        var redirect = Uri.EscapeDataString("http://127.0.0.1:5300/login/weixin/callback");
        using var response = await http.GetAsync(
            $"/connect/oauth2/authorize?appid={SimulatorProcess.AppId}&redirect_uri={redirect}&response_type=code&scope=snsapi_base&state=abc123&sim_auto=allow#wechat_redirect");
        return (response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync());
    }
}

public sealed class UnverifiedSubscriptionSimulator() : SimulatorProcess(new Dictionary<string, string> { ["Simulator__AccountType"] = "UnverifiedSubscription" });

public class UnverifiedSubscriptionTests(UnverifiedSubscriptionSimulator sim) : AccountTypeTestsBase(sim), IClassFixture<UnverifiedSubscriptionSimulator>
{
    [Fact]
    public async Task UnverifiedSubscription_TemplatesCustomerServiceMenusAndOAuth_Answer48001()
    {
        Assert.Equal(48001, await TemplateAsync());
        Assert.Equal(48001, await CustomAsync());
        Assert.Equal(48001, await MenuGetAsync());
        Assert.Equal(48001, await CodeExchangeAsync());
    }

    [Fact]
    public async Task UnverifiedSubscription_AuthorizePage_ShowsTheScopeErrorAndIssuesNoCode()
    {
        var (status, location, body) = await AuthorizeAsync();

        Assert.Null(location);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Scope 参数错误或没有 Scope 权限", body);
    }
}

public sealed class VerifiedSubscriptionSimulator() : SimulatorProcess(new Dictionary<string, string> { ["Simulator__AccountType"] = "VerifiedSubscription" });

public class VerifiedSubscriptionTests(VerifiedSubscriptionSimulator sim) : AccountTypeTestsBase(sim), IClassFixture<VerifiedSubscriptionSimulator>
{
    [Fact]
    public async Task VerifiedSubscription_HasCustomerServiceAndMenus_NotTemplatesOrOAuth()
    {
        Assert.Equal(40003, await CustomAsync()); // past the permission check: the openid is unknown
        Assert.Equal(46003, await MenuGetAsync());
        Assert.Equal(48001, await TemplateAsync());
        Assert.Equal(48001, await CodeExchangeAsync());
        Assert.Contains("Scope 参数错误或没有 Scope 权限", (await AuthorizeAsync()).Body);
    }
}

public sealed class UnverifiedServiceSimulator() : SimulatorProcess(new Dictionary<string, string> { ["Simulator__AccountType"] = "UnverifiedService" });

public class UnverifiedServiceTests(UnverifiedServiceSimulator sim) : AccountTypeTestsBase(sim), IClassFixture<UnverifiedServiceSimulator>
{
    [Fact]
    public async Task UnverifiedService_HasMenusOnly()
    {
        Assert.Equal(46003, await MenuGetAsync());
        Assert.Equal(48001, await CustomAsync());
        Assert.Equal(48001, await TemplateAsync());
        Assert.Equal(48001, await CodeExchangeAsync());
    }
}

public class VerifiedServiceTests(DefaultSimulator sim) : AccountTypeTestsBase(sim), IClassFixture<DefaultSimulator>
{
    [Fact]
    public async Task VerifiedService_Default_HasEveryApi()
    {
        Assert.Equal(40003, await CustomAsync());
        Assert.Equal(46003, await MenuGetAsync());
        Assert.NotEqual(48001, await TemplateAsync());
        Assert.Equal(40029, await CodeExchangeAsync()); // past the permission check: the code is unknown
        Assert.DoesNotContain("没有 Scope 权限", (await AuthorizeAsync()).Body);
    }
}
