using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using MySqlConnector;
using OpenIddict.Abstractions;
using Weixin.Inbox.IdentityProvider.Oidc;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// The provider listens before it has written the configured clients (start-up within 2 s, issue 14); no request may meet
/// the old client list in that window. The window is held open by locking the clients' table, as a slow database would.
/// </summary>
public sealed class ClientSyncTests
{
    [Fact]
    public async Task BeforeTheClientsAreWritten_RequestsWait_AndAClientRemovedFromTheConfiguration_IsRefused()
    {
        await using var system = await IdpSystem.StartAsync("idp-sync");
        var alpha = system.Client("alpha");
        var beta = system.Client("beta");

        // Redeploy without beta (say its secret leaked). Until the sync has run, beta is still in the database.
        await WaitUntilReadyAsync(system.BaseAddress); // the first start has written all five
        await system.Idp.KillAsync();
        var withoutBeta = system.Settings.Where(s => !s.Key.StartsWith("Oidc__Clients__1__", StringComparison.Ordinal)).ToDictionary();
        Assert.DoesNotContain(withoutBeta, s => s.Value == "beta");
        Assert.Equal("gamma", withoutBeta["Oidc__Clients__2__Id"]);

        await using var lockHolder = new MySqlConnection(TestDatabase.AdminConnection(system.IdpDatabase));
        await lockHolder.OpenAsync();
        await using (var lockTable = new MySqlCommand("LOCK TABLES oidc_applications WRITE", lockHolder))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        await using var restarted = new ServiceProcess("idp-restarted", "IdentityProvider", system.Idp.Port, withoutBeta, "idp-sync");
        await restarted.StartAsync(); // live: /healthz answers although the clients are not written yet

        using var probe = new HttpClient { BaseAddress = restarted.BaseAddress };
        using (var ready = await probe.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("\"clients\":\"writing\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var betaBrowser = new OidcBrowser(system);
        using var alphaBrowser = new OidcBrowser(system);
        var betaAnswer = betaBrowser.GetAsync(betaBrowser.AuthorizeUrl(AuthorizeRequest.For(beta)));
        var alphaAnswer = alphaBrowser.GetAsync(alphaBrowser.AuthorizeUrl(AuthorizeRequest.For(alpha)));
        // Note: discovery reads no client, so only the gate can hold it (the authorize requests' own client lookups would
        // also wait for the table lock).
        var discovery = probe.GetAsync("/.well-known/openid-configuration");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(betaAnswer.IsCompleted, "an authorize request was answered before the clients were written");
        Assert.False(alphaAnswer.IsCompleted, "an authorize request was answered before the clients were written");
        Assert.False(discovery.IsCompleted, "a request went past the gate before the clients were written");

        await using (var unlock = new MySqlCommand("UNLOCK TABLES", lockHolder))
        {
            await unlock.ExecuteNonQueryAsync();
        }

        // The removed client: the Chinese error page, no redirect anywhere. The kept one: on to the login.
        using var betaResponse = await betaAnswer;
        Assert.Equal(HttpStatusCode.BadRequest, betaResponse.StatusCode);
        Assert.Null(betaResponse.Headers.Location);
        Assert.Contains("没有在微信身份登录服务登记", await betaResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var alphaResponse = await alphaAnswer;
        Assert.Equal(HttpStatusCode.Found, alphaResponse.StatusCode);
        Assert.Equal("/login", new Uri(restarted.BaseAddress, alphaResponse.Headers.Location!).AbsolutePath);

        using (var discovered = await discovery)
        {
            Assert.Equal(HttpStatusCode.OK, discovered.StatusCode);
        }

        using (var ready = await probe.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("\"clients\":\"written\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Note: waited for, not read at once: the process's output reaches the log file a moment after it is written.
        Assert.NotNull(await restarted.WaitForLogOfThisStartAsync("OIDC client beta deleted: no longer in the configuration", TimeSpan.FromSeconds(5)));
        Assert.NotNull(await restarted.WaitForLogOfThisStartAsync("OIDC clients of the configuration written (4)", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ARestart_WritesOnlyTheClientsWhoseConfigurationChanged_AndTheChangesAreInForce()
    {
        await using var system = await IdpSystem.StartAsync("idp-sync-changes");
        await WaitUntilReadyAsync(system.BaseAddress);
        var first = await ConcurrencyTokensAsync(system);
        Assert.Equal(["alpha", "beta", "delta", "gamma", "raw"], first.Keys.Order(StringComparer.Ordinal));

        // The same configuration again: no client is rewritten (OpenIddict gives every written row a new concurrency token).
        await system.RestartAsync();
        await WaitUntilReadyAsync(system.BaseAddress);
        Assert.Equal(first, await ConcurrencyTokensAsync(system));
        Assert.DoesNotContain("updated from the configuration", await system.Idp.ReadLogOfThisStartAsync(), StringComparison.Ordinal);

        // A redeploy: alpha moves to a new redirect URI, beta gets a new secret (say the old one leaked).
        await system.Idp.KillAsync();
        var alpha = system.Client("alpha");
        var beta = system.Client("beta");
        Assert.Equal("alpha", system.Settings["Oidc__Clients__0__Id"]);
        Assert.Equal("beta", system.Settings["Oidc__Clients__1__Id"]);
        var movedAlpha = alpha with { RedirectUri = alpha.RedirectUri + "-v2" };
        var newSecret = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var redeploy = system.Settings.ToDictionary();
        redeploy["Oidc__Clients__0__RedirectUris__0"] = movedAlpha.RedirectUri;
        redeploy["Oidc__Clients__1__Secret"] = newSecret;
        await using var redeployed = new ServiceProcess("idp-redeployed", "IdentityProvider", system.Idp.Port, redeploy, "idp-sync-changes");
        await redeployed.StartAsync();
        await WaitUntilReadyAsync(redeployed.BaseAddress);

        var second = await ConcurrencyTokensAsync(system);
        Assert.NotEqual(first["alpha"], second["alpha"]);
        Assert.NotEqual(first["beta"], second["beta"]);
        Assert.Equal(first.Where(c => c.Key is not ("alpha" or "beta")), second.Where(c => c.Key is not ("alpha" or "beta")));
        var log = await redeployed.ReadLogOfThisStartAsync();
        Assert.Contains("OIDC client alpha updated from the configuration", log, StringComparison.Ordinal);
        Assert.Contains("OIDC client beta updated from the configuration", log, StringComparison.Ordinal);
        Assert.DoesNotContain("OIDC client gamma updated", log, StringComparison.Ordinal);

        // beta's old secret is refused (invalid_client); the new one authenticates (the made-up code is then invalid_grant).
        using var browser = new OidcBrowser(system);
        var withOldSecret = await browser.RedeemAsync(beta, "not-a-code", "verifier-verifier-verifier-verifier-verifier");
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (withOldSecret.Status, withOldSecret.Error));
        var withNewSecret = await browser.RedeemAsync(beta with { Secret = newSecret }, "not-a-code", "verifier-verifier-verifier-verifier-verifier");
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (withNewSecret.Status, withNewSecret.Error));

        // alpha's old redirect URI is refused with the error page (no redirect to it); the new one leads to the login.
        using (var old = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
            Assert.Null(old.Headers.Location);
        }

        using (var moved = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(movedAlpha))))
        {
            Assert.Equal(HttpStatusCode.Found, moved.StatusCode);
            Assert.Equal("/login", new Uri(redeployed.BaseAddress, moved.Headers.Location!).AbsolutePath);
        }
    }

    [Fact]
    public void TheUnchangedCheck_SeesAChangeInEveryFieldOfAClient()
    {
        // One change per field; the secret is checked against the stored hash instead (the redeploy test above).
        var changes = new Dictionary<string, Action<OpenIddictApplicationDescriptor>>(StringComparer.Ordinal)
        {
            ["ApplicationType"] = d => d.ApplicationType = OpenIddictConstants.ApplicationTypes.Native,
            ["ClientId"] = d => d.ClientId = "alpha2",
            ["ClientType"] = d => d.ClientType = OpenIddictConstants.ClientTypes.Public,
            ["ConsentType"] = d => d.ConsentType = OpenIddictConstants.ConsentTypes.Implicit,
            ["DisplayName"] = d => d.DisplayName = "销售系统（新）",
            ["DisplayNames"] = d => d.DisplayNames[CultureInfo.InvariantCulture] = "CRM",
            ["JsonWebKeySet"] = d => d.JsonWebKeySet = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(),
            ["Permissions"] = d => d.Permissions.Add(OpenIddictConstants.Permissions.GrantTypes.RefreshToken),
            // Note: a change of letter case only: OpenIddict matches redirect URIs as exact strings.
            ["PostLogoutRedirectUris"] = d => { d.PostLogoutRedirectUris.Clear(); d.PostLogoutRedirectUris.Add(new Uri("https://crm.example/Signout-callback")); },
            // Note: user info only, which Uri.Equals overlooks.
            ["RedirectUris"] = d => { d.RedirectUris.Clear(); d.RedirectUris.Add(new Uri("https://someone@crm.example/signin")); },
            ["Properties"] = d => d.Properties[ClientRegistry.SectorProperty] = JsonSerializer.SerializeToElement("财务组"),
            ["Requirements"] = d => d.Requirements.Clear(),
            ["Settings"] = d => d.Settings["token_lifetimes.access_token"] = "00:05:00",
        };
        // Note: every field of OpenIddict's descriptor has its change here (a field OpenIddict adds fails this until it has one).
        Assert.Equal(
            typeof(OpenIddictApplicationDescriptor).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).Order(StringComparer.Ordinal),
            changes.Keys.Append("ClientSecret").Order(StringComparer.Ordinal));

        // As stored: the properties come back from MySQL as JSON OpenIddict wrote with relaxed escaping (销售组 unescaped).
        var stored = Client();
        stored.Properties[ClientRegistry.SectorProperty] = JsonDocument.Parse("\"销售组\"").RootElement.Clone();
        Assert.True(ClientRegistry.SameFields(stored, Client()), "an unchanged client was judged changed");
        foreach (var (field, change) in changes)
        {
            var wanted = Client();
            change(wanted);
            Assert.False(ClientRegistry.SameFields(stored, wanted), $"a change of {field} was judged unchanged");
        }
    }

    private static OpenIddictApplicationDescriptor Client()
    {
        var client = new OpenIddictApplicationDescriptor
        {
            ApplicationType = OpenIddictConstants.ApplicationTypes.Web,
            ClientId = "alpha",
            ClientType = OpenIddictConstants.ClientTypes.Confidential,
            ConsentType = OpenIddictConstants.ConsentTypes.Explicit,
            DisplayName = "销售系统",
        };
        client.RedirectUris.Add(new Uri("https://crm.example/signin"));
        client.PostLogoutRedirectUris.Add(new Uri("https://crm.example/signout-callback"));
        client.Permissions.UnionWith([OpenIddictConstants.Permissions.Endpoints.Authorization, OpenIddictConstants.Permissions.GrantTypes.AuthorizationCode]);
        client.Requirements.Add(OpenIddictConstants.Requirements.Features.ProofKeyForCodeExchange);
        client.Properties[ClientRegistry.SubjectProperty] = JsonSerializer.SerializeToElement("pairwise");
        client.Properties[ClientRegistry.SectorProperty] = JsonSerializer.SerializeToElement("销售组");
        return client;
    }

    private static async Task<Dictionary<string, string>> ConcurrencyTokensAsync(IdpSystem system)
    {
        await using var connection = new MySqlConnection(TestDatabase.AdminConnection(system.IdpDatabase));
        await connection.OpenAsync();
        await using var select = new MySqlCommand("SELECT ClientId, ConcurrencyToken FROM oidc_applications ORDER BY ClientId", connection);
        await using var reader = await select.ExecuteReaderAsync();
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            tokens[reader.GetString(0)] = reader.GetString(1);
        }

        return tokens;
    }

    private static async Task WaitUntilReadyAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var ready = await http.GetAsync("/readyz");
            if (ready.IsSuccessStatusCode)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the provider was not ready within 30 s: {await ready.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }
}
