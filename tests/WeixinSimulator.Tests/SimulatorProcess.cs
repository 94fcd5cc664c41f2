using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests;

/// <summary>
/// The WeChat simulator as a real process on 127.0.0.1, shared by the tests of one class; subclasses pass settings
/// (<c>Simulator__…</c>). These tests speak to it the way WeChat's real clients and servers would: they pin each rule
/// the simulator enforces, so the product's tests can trust its refusals.
/// </summary>
public class SimulatorProcess(IReadOnlyDictionary<string, string>? settings = null)
    : SimulatorFixtureBase(AppId, AppSecret, settings, "sim"), IAsyncLifetime
{
    public const string AppId = "wx_simtest_app";
    public const string AppSecret = "simtest_app_secret_0123456789";

    /// <summary>A valid API access_token from cgi-bin/token.</summary>
    public async Task<string> ApiTokenAsync()
    {
        using var http = Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/token?grant_type=client_credential&appid={AppId}&secret={AppSecret}");
        return answer.GetProperty("access_token").GetString()!;
    }

    /// <summary>A new following user, no interaction yet.</summary>
    public async Task<string> AddUserAsync(string nickname = "测试用户")
    {
        var openId = "o_simtest_" + Guid.NewGuid().ToString("N")[..16];
        await AddSimulatorUserAsync(openId, nickname);
        return openId;
    }

    /// <summary>POSTs JSON to a cgi-bin API with the token and returns WeChat's JSON answer.</summary>
    public async Task<JsonElement> CallAsync(string path, object body, string accessToken)
    {
        using var http = Client();
        using var response = await http.PostAsJsonAsync($"{path}?access_token={accessToken}", body);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Plays a user interaction now through <c>POST /sim/users/{openid}/conversation</c> (<paramref name="kind"/>:
    /// message, click, follow or scan) and returns the answer (following, lastInteraction, grants).
    /// </summary>
    public async Task<JsonElement> InteractAsync(string openId, string kind = "message")
    {
        using var http = Client();
        using var response = await http.PostAsJsonAsync($"/sim/users/{openId}/conversation", new { interacted = true, kind });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}

/// <summary>The simulator with its defaults.</summary>
public sealed class DefaultSimulator() : SimulatorProcess();
