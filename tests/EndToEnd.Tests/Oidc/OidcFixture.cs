using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Oidc;

/// <summary>
/// The whole chain for the OIDC journeys, as real processes: simulator, public inbox, poller (with the provider as its
/// gateway client <c>idp</c>), the IdentityProvider on its own throwaway database, and the sample relying party twice
/// (<c>sample</c>, confidential; <c>sample2</c>, public), registered at the provider with their exact redirect URIs.
/// </summary>
public sealed class OidcFixture : IAsyncLifetime
{
    private readonly string _idpKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
    private ServiceProcess? Provider { get; set; }
    private string _idpDatabase = "";

    public LoginSystem Login { get; private set; } = null!;

    /// <summary>The provider's issuer (its base address, with the trailing slash).</summary>
    public Uri Issuer { get; private set; } = null!;

    public SampleAppProcess Sample { get; } = new("sample", "s3cret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "oidc");
    public SampleAppProcess Sample2 { get; } = new("sample2", null, "oidc");

    /// <summary>The names the provider's consent page shows for the two apps (<c>Oidc:Clients:N:DisplayName</c>).</summary>
    public string SampleName => "示例应用";
    public string Sample2Name => "示例应用二";

    public async Task InitializeAsync()
    {
        var port = TestEnvironment.FreePort();
        Issuer = new Uri($"http://127.0.0.1:{port}/");
        Login = await LoginSystem.StartAsync(new LoginSystemSettings
        {
            AppBaseAddress = Issuer,
            PollerEnvironment = new Dictionary<string, string>
            {
                ["GatewaySigning__Clients__1__Id"] = "idp",
                ["GatewaySigning__Clients__1__Keys__0"] = _idpKey,
            },
        }, "oidc");

        var database = Login.Database;
        _idpDatabase = database.Prefix + "_idp";
        await database.ExecuteAsync(null, $"""
            CREATE DATABASE `{_idpDatabase}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            GRANT SELECT, INSERT, UPDATE, DELETE ON `{_idpDatabase}`.* TO '{database.User}'@'127.0.0.1';
            """);
        await ServiceProcess.RunToCompletionAsync("IdentityProvider",
            new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(_idpDatabase) }, "migrate");

        Provider = new ServiceProcess("idp", "IdentityProvider", port, new Dictionary<string, string>
        {
            ["ConnectionStrings__Idp"] = database.ServiceConnection(_idpDatabase),
            ["Gateway__BaseUrl"] = Login.Poller.BaseAddress.ToString(),
            ["Gateway__ClientId"] = "idp",
            ["Gateway__ClientKey"] = _idpKey,
            ["Gateway__PublicBaseUrl"] = Issuer.ToString().TrimEnd('/'),
            ["Oidc__Issuer"] = Issuer.ToString(),
            ["Oidc__SubjectKey"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["Oidc__Clients__0__Id"] = Sample.ClientId,
            ["Oidc__Clients__0__DisplayName"] = SampleName,
            ["Oidc__Clients__0__Secret"] = Sample.ClientSecret!,
            ["Oidc__Clients__0__RedirectUris__0"] = Sample.RedirectUri,
            ["Oidc__Clients__0__PostLogoutRedirectUris__0"] = Sample.PostLogoutRedirectUri,
            ["Oidc__Clients__1__Id"] = Sample2.ClientId,
            ["Oidc__Clients__1__DisplayName"] = Sample2Name,
            ["Oidc__Clients__1__Public"] = "true",
            ["Oidc__Clients__1__RedirectUris__0"] = Sample2.RedirectUri,
            ["Oidc__Clients__1__PostLogoutRedirectUris__0"] = Sample2.PostLogoutRedirectUri,
        }, "oidc");
        await Provider.StartAsync();
        await Task.WhenAll(Sample.StartAsync(Issuer), Sample2.StartAsync(Issuer));
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
        return Convert.ToInt64(gateway.Single()["n"], System.Globalization.CultureInfo.InvariantCulture)
            + Convert.ToInt64(inbox.Single()["n"], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        await Sample.DisposeAsync();
        await Sample2.DisposeAsync();
        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }

        if (Login is not null)
        {
            if (_idpDatabase.Length > 0 && Environment.GetEnvironmentVariable("WX_KEEP_TEST_DATABASES") != "1")
            {
                await Login.Database.ExecuteAsync(null, $"DROP DATABASE IF EXISTS `{_idpDatabase}`;");
            }

            await Login.DisposeAsync();
        }
    }
}
