using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.Api;

public class TokenTests(DefaultSimulator sim) : IClassFixture<DefaultSimulator>
{
    [Fact]
    public async Task Token_WrongSecret_Answers40125()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/token?grant_type=client_credential&appid={SimulatorProcess.AppId}&secret=wrong");
        Assert.Equal(40125, answer.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task Token_RightSecret_IssuesA7200SecondToken()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/token?grant_type=client_credential&appid={SimulatorProcess.AppId}&secret={SimulatorProcess.AppSecret}");
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("access_token").GetString()));
        Assert.Equal(7200, answer.GetProperty("expires_in").GetInt32());
    }
}
