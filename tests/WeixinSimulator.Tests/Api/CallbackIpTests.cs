using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.Api;

/// <summary><c>GET cgi-bin/getcallbackip</c> as WeChat documents it: the list with a valid token, errcodes without.</summary>
public class CallbackIpTests(DefaultSimulator sim) : IClassFixture<DefaultSimulator>
{
    [Fact]
    public async Task WithAValidToken_AnswersTheDefaultList_WithLoopback()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/getcallbackip?access_token={await sim.ApiTokenAsync()}");
        Assert.Equal(["127.0.0.1"], answer.GetProperty("ip_list").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("", 41001)]
    [InlineData("not-a-token", 40001)]
    public async Task WithoutAValidToken_AnswersWeixinsErrcode(string token, int errcode)
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/getcallbackip?access_token={token}");
        Assert.Equal(errcode, answer.GetProperty("errcode").GetInt32());
        Assert.False(answer.TryGetProperty("ip_list", out _));
    }
}

/// <summary>A configured list, with a CIDR range as WeChat's list may carry.</summary>
public class ConfiguredCallbackIpTests(ConfiguredCallbackIpTests.Simulator sim) : IClassFixture<ConfiguredCallbackIpTests.Simulator>
{
    public sealed class Simulator() : SimulatorProcess(new Dictionary<string, string>
    {
        ["Simulator__CallbackIps__0"] = "101.226.103.0/25",
        ["Simulator__CallbackIps__1"] = "203.0.113.7",
    });

    [Fact]
    public async Task AnswersTheConfiguredList()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/getcallbackip?access_token={await sim.ApiTokenAsync()}");
        Assert.Equal(["101.226.103.0/25", "203.0.113.7"], answer.GetProperty("ip_list").EnumerateArray().Select(e => e.GetString()));
    }
}
