using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Oidc;

/// <summary>
/// The whole chain for the OIDC journeys, as real processes: <see cref="IdpSystem"/> (simulator, public inbox, poller
/// with the provider as its gateway client <c>idp</c>, the IdentityProvider on its own throwaway database) and the sample
/// relying party twice (<c>sample</c>, confidential; <c>sample2</c>, public), registered at the provider with their exact
/// redirect URIs next to IdpSystem's own test clients.
/// </summary>
public sealed class OidcFixture : IAsyncLifetime
{
    // Note: IdpSystem registers its own clients as Oidc:Clients:0..3; the sample apps come after them.
    private const int FirstClient = 4;

    public IdpSystem System { get; private set; } = null!;

    public LoginSystem Login => System.Login;

    /// <summary>The provider's issuer (its base address, with the trailing slash).</summary>
    public Uri Issuer => new(System.Issuer);

    public SampleAppProcess Sample { get; } = new("sample", "s3cret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "oidc");
    public SampleAppProcess Sample2 { get; } = new("sample2", null, "oidc");

    /// <summary>A copy configured with a secret the provider does not know: its token request is refused.</summary>
    public SampleAppProcess MisconfiguredSample { get; } = new("sample3", "wrong-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "oidc");

    /// <summary>The names the provider's consent page shows for the two apps (<c>Oidc:Clients:N:DisplayName</c>).</summary>
    public string SampleName => "示例应用";
    public string Sample2Name => "示例应用二";
    public string MisconfiguredSampleName => "示例应用三";

    public async Task InitializeAsync()
    {
        var clients = new Dictionary<string, string>();
        var registeredSecret = "right-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        foreach (var (app, name, i) in new[] { (Sample, SampleName, FirstClient), (Sample2, Sample2Name, FirstClient + 1), (MisconfiguredSample, MisconfiguredSampleName, FirstClient + 2) })
        {
            clients[$"Oidc__Clients__{i}__Id"] = app.ClientId;
            clients[$"Oidc__Clients__{i}__DisplayName"] = name;
            clients[$"Oidc__Clients__{i}__RedirectUris__0"] = app.RedirectUri;
            clients[$"Oidc__Clients__{i}__PostLogoutRedirectUris__0"] = app.PostLogoutRedirectUri;
            if (app.ClientSecret is null)
            {
                clients[$"Oidc__Clients__{i}__Public"] = "true";
            }
            else
            {
                clients[$"Oidc__Clients__{i}__Secret"] = app == MisconfiguredSample ? registeredSecret : app.ClientSecret;
            }
        }

        System = await IdpSystem.StartAsync("oidc", clients);
        await Task.WhenAll(Sample.StartAsync(Issuer), Sample2.StartAsync(Issuer), MisconfiguredSample.StartAsync(Issuer));
    }

    /// <summary>The simulated phone scans <paramref name="url"/> (the QR code's content) in 安全模式.</summary>
    public async Task ScanAsync(string openId, string url)
    {
        using var http = new HttpClient { BaseAddress = Login.Simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/scan", new { url, mode = "aes" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"the simulator refused the scan ({(int)response.StatusCode}): {text}");
        using var json = JsonDocument.Parse(text);
        Assert.Contains("请在电脑上查看两位数字", json.RootElement.GetProperty("reply").GetString() ?? "");
    }

    /// <summary>
    /// Every WeChat login the gateway ever started (phone OAuth and desktop scan) plus every item the public inbox
    /// stored: a sign-in that did not go through WeChat leaves both unchanged.
    /// </summary>
    public async Task<long> WeixinLoginCountAsync()
    {
        var gateway = await Login.Database.QueryAsync(Login.Database.GatewayDatabase,
            "SELECT (SELECT COUNT(*) FROM weixin_logins) + (SELECT COUNT(*) FROM scan_logins) AS n");
        var inbox = await Login.Database.QueryAsync(Login.Database.InboxDatabase, "SELECT COUNT(*) AS n FROM inbox_items");
        return Convert.ToInt64(gateway.Single()["n"], CultureInfo.InvariantCulture)
            + Convert.ToInt64(inbox.Single()["n"], CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        await Sample.DisposeAsync();
        await Sample2.DisposeAsync();
        await MisconfiguredSample.DisposeAsync();
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}
