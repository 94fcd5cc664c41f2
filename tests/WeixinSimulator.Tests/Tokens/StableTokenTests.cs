using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.Tokens;

/// <summary>Requests for API access tokens as the poller sends them.</summary>
internal static class TokenRequests
{
    public static async Task<JsonElement> StableAsync(SimulatorProcess sim, bool force)
    {
        using var http = sim.Client();
        using var response = await http.PostAsJsonAsync("/cgi-bin/stable_token",
            new { grant_type = "client_credential", appid = SimulatorProcess.AppId, secret = SimulatorProcess.AppSecret, force_refresh = force });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> PlainAsync(SimulatorProcess sim)
    {
        using var http = sim.Client();
        return await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/token?grant_type=client_credential&appid={SimulatorProcess.AppId}&secret={SimulatorProcess.AppSecret}");
    }

    /// <summary>The errcode an API answers to <paramref name="token"/> (menu/get: 46003 "no menu" for a good token, 40001 for a dead one).</summary>
    public static async Task<int> ErrcodeWithAsync(SimulatorProcess sim, string token)
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/menu/get?access_token={token}");
        return answer.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;
    }

    public static string Token(JsonElement answer) =>
        answer.TryGetProperty("access_token", out var token) ? token.GetString()! : throw new InvalidOperationException($"no token: {answer}");
}

public class StableTokenTests(DefaultSimulator sim) : IClassFixture<DefaultSimulator>
{
    [Fact]
    public async Task StableToken_NormalMode_AnswersTheSameTokenWhileItIsValid()
    {
        var first = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: false));
        var second = await TokenRequests.StableAsync(sim, force: false);

        Assert.Equal(first, TokenRequests.Token(second));
        Assert.InRange(second.GetProperty("expires_in").GetInt32(), 7000, 7200);
    }

    [Fact]
    public async Task Token_EachCallIssuesANewToken_ThePreviousStillWorksForTheOverlap()
    {
        var first = TokenRequests.Token(await TokenRequests.PlainAsync(sim));
        var second = TokenRequests.Token(await TokenRequests.PlainAsync(sim));

        Assert.NotEqual(first, second);
        Assert.Equal(46003, await TokenRequests.ErrcodeWithAsync(sim, first)); // 5 minutes of overlap
        Assert.Equal(46003, await TokenRequests.ErrcodeWithAsync(sim, second));
    }
}

/// <summary>A simulator of its own: forced refreshes change state the other tests would see.</summary>
public sealed class ForceRefreshSimulator() : SimulatorProcess();

public class ForceRefreshTests(ForceRefreshSimulator sim) : IClassFixture<ForceRefreshSimulator>
{
    [Fact]
    public async Task ForceRefresh_KillsThePreviousTokenAtOnce_AndASecondWithin30SecondsRefreshesNothing()
    {
        var before = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: false));

        var forced = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: true));
        var again = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: true));

        Assert.NotEqual(before, forced);
        Assert.Equal(40001, await TokenRequests.ErrcodeWithAsync(sim, before));
        Assert.Equal(forced, again);
        Assert.Equal(46003, await TokenRequests.ErrcodeWithAsync(sim, forced));
        using var http = sim.Client();
        var stats = await http.GetFromJsonAsync<JsonElement>("/sim/stats");
        Assert.Equal(2, stats.GetProperty("forcedRefreshes").GetInt64());
    }
}

/// <summary>Daily limits lowered so a test can reach them (WeChat: 2000 cgi-bin/token, 20 forced refreshes).</summary>
public sealed class TightQuotaSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__TokenDailyLimit"] = "2",
    ["Simulator__ForceRefreshDailyLimit"] = "2",
    ["Simulator__ForceRefreshInterval"] = "00:00:00",
});

public class TokenQuotaTests(TightQuotaSimulator sim) : IClassFixture<TightQuotaSimulator>
{
    [Fact]
    public async Task Token_PastTheDailyLimit_Answers45009()
    {
        await TokenRequests.PlainAsync(sim);
        await TokenRequests.PlainAsync(sim);

        var third = await TokenRequests.PlainAsync(sim);

        Assert.Equal(45009, third.GetProperty("errcode").GetInt32());
        Assert.StartsWith("reach max api daily quota limit", third.GetProperty("errmsg").GetString());
    }

    [Fact]
    public async Task StableToken_ForceRefreshPastTheDailyLimit_Answers45009_NormalModeStillWorks()
    {
        var first = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: true));
        var second = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: true));

        var third = await TokenRequests.StableAsync(sim, force: true);
        var normal = TokenRequests.Token(await TokenRequests.StableAsync(sim, force: false));

        Assert.NotEqual(first, second);
        Assert.Equal(45009, third.GetProperty("errcode").GetInt32());
        Assert.Equal(second, normal);
    }
}
