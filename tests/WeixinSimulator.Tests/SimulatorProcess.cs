using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests;

/// <summary>
/// The WeChat simulator as a real process on 127.0.0.1, shared by the tests of one class; subclasses pass settings
/// (<c>Simulator__…</c>). These tests speak to it the way WeChat's real clients and servers would: they pin each rule
/// the simulator enforces, so the product's tests can trust its refusals.
/// </summary>
public class SimulatorProcess(IReadOnlyDictionary<string, string>? settings = null) : IAsyncLifetime, IAsyncDisposable
{
    public const string AppId = "wx_simtest_app";
    public const string AppSecret = "simtest_app_secret_0123456789";

    private ServiceProcess? _process;

    public Uri Address => (_process ?? throw new InvalidOperationException("Not started.")).BaseAddress;

    public async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        _process = new ServiceProcess("simulator", "WeixinSimulator", TestEnvironment.FreePort(), environment, "sim-" + GetType().Name);
        await _process.StartAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>A client for the simulator; redirects are not followed, so a test sees WeChat's 302s.</summary>
    public HttpClient Client(string? userAgent = null)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = Address };
        if (userAgent is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        }

        return http;
    }

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
        using var http = Client();
        using var response = await http.PostAsJsonAsync("/sim/users", new { openId, nickname });
        response.EnsureSuccessStatusCode();
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

    /// <summary>Everything the user received, in order.</summary>
    public async Task<List<JsonElement>> ReceivedAsync(string openId)
    {
        using var http = Client();
        var list = await http.GetFromJsonAsync<JsonElement>($"/sim/users/{openId}/received");
        return [.. list.EnumerateArray()];
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
