using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.Testing;

/// <summary>
/// The WeChat simulator (tests/WeixinSimulator) as a real process on 127.0.0.1, shared by the tests of one class: the
/// common start-up of the simulator's own tests and of the poller's tests against it. The account's AppId and AppSecret
/// are set; <paramref name="settings"/> (<c>Simulator__…</c>) add to or override them. The log is
/// <c>{logPrefix}-{fixture class}-simulator.log</c> in the test results.
/// </summary>
/// <remarks>
/// TestSupport does not reference xunit: a derived fixture declares <c>IAsyncLifetime</c>, which these public
/// <see cref="InitializeAsync"/> and <see cref="DisposeAsync"/> implement.
/// </remarks>
public abstract class SimulatorFixtureBase(string appId, string appSecret, IReadOnlyDictionary<string, string>? settings, string logPrefix)
    : IAsyncDisposable
{
    private ServiceProcess? _process;

    /// <summary>The simulator's base address (its API, its control endpoints <c>/sim/…</c> and its pages).</summary>
    public Uri Address => (_process ?? throw new InvalidOperationException("Not started.")).BaseAddress;

    /// <summary>Starts the simulator and waits until it answers <c>/healthz</c>.</summary>
    public virtual async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["Simulator__AppId"] = appId,
            ["Simulator__AppSecret"] = appSecret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        _process = new ServiceProcess("simulator", "WeixinSimulator", TestEnvironment.FreePort(), environment, $"{logPrefix}-{GetType().Name}");
        await _process.StartAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the simulator.</summary>
    public virtual async Task DisposeAsync()
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

    /// <summary>Everything the user received, in order.</summary>
    public async Task<List<JsonElement>> ReceivedAsync(string openId)
    {
        using var http = Client();
        var list = await http.GetFromJsonAsync<JsonElement>($"/sim/users/{openId}/received");
        return [.. list.EnumerateArray()];
    }

    /// <summary>Makes <paramref name="openId"/> a following user of the simulated account, no interaction yet.</summary>
    protected async Task AddSimulatorUserAsync(string openId, string nickname)
    {
        using var http = Client();
        using var response = await http.PostAsJsonAsync("/sim/users", new { openId, nickname });
        response.EnsureSuccessStatusCode();
    }
}
