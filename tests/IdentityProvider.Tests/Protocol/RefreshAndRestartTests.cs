using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// Refresh tokens only for the clients allowed; and a restart of the provider (keys, key ring, token store, consent and
/// SSO session all in MySQL) keeps access tokens, refresh tokens, the SSO cookie and the consent valid.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class RefreshAndRestartTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task OfflineAccess_IsRefused_ForAClientWithoutRefreshTokens()
    {
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");

        using var response = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha), ("scope", "openid profile offline_access")));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        if (response.StatusCode == HttpStatusCode.Found)
        {
            var callback = new ClientCallback(response.Headers.Location!);
            Assert.Null(callback.Code);
            Assert.NotNull(callback.Error);
            Assert.StartsWith(alpha.RedirectUri, callback.Location.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Restart_KeepsTokensRefreshTokensSessionAndConsent()
    {
        var openId = await System.Login.AddWeixinUserAsync("蒋重启");
        using var browser = new OidcBrowser(System);
        var delta = System.Client("delta");
        var request = AuthorizeRequest.For(delta);
        var tokens = await browser.RedeemAsync(delta, (await browser.LoginAsync(request, openId, "openid profile offline_access")).Code!, request.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.NotNull(tokens.RefreshToken);

        await System.RestartAsync();

        Assert.Equal(HttpStatusCode.OK, (await browser.UserInfoAsync(tokens.AccessToken)).Status);
        var refreshed = await browser.RefreshAsync(delta, tokens.RefreshToken!);
        Assert.True(refreshed.Status == HttpStatusCode.OK, refreshed.Body.ToString());
        Assert.Equal(HttpStatusCode.OK, (await browser.UserInfoAsync(refreshed.AccessToken)).Status);
        // The SSO cookie and the remembered consent survive too: straight back to the client with a code.
        var again = AuthorizeRequest.For(delta);
        using var response = await browser.GetAsync(browser.AuthorizeUrl(again));
        var callback = browser.ToClient(response);
        Assert.NotNull(callback.Code);
        Assert.Equal(HttpStatusCode.OK, (await browser.RedeemAsync(delta, callback.Code!, again.Verifier)).Status);
    }
}
