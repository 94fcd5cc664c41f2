using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// What OpenIddict and our client registrations refuse before anyone logs in, and what the token endpoint refuses
/// after: no PKCE, plain PKCE, a wrong verifier, a redirect_uri that is not exactly a registered one, an unknown client.
/// A request whose client or redirect_uri cannot be trusted gets our error page and is never redirected anywhere.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class PkceAndRedirectTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Theory]
    [InlineData("alpha")]
    [InlineData("gamma")]
    public async Task Authorize_WithoutCodeChallenge_IsRefused(string clientId)
    {
        using var browser = new OidcBrowser(System);
        var request = AuthorizeRequest.For(System.Client(clientId));

        using var response = await browser.GetAsync(browser.AuthorizeUrl(request, ("code_challenge", null), ("code_challenge_method", null)));

        AssertRefusedWithoutCode(response);
    }

    [Fact]
    public async Task Authorize_WithPlainCodeChallenge_IsRefused()
    {
        using var browser = new OidcBrowser(System);
        var request = AuthorizeRequest.For(System.Client("alpha"));

        using var response = await browser.GetAsync(browser.AuthorizeUrl(request, ("code_challenge", request.Verifier), ("code_challenge_method", "plain")));

        AssertRefusedWithoutCode(response);
    }

    [Fact]
    public async Task Token_WithWrongOrMissingVerifier_IsRefused_AndTheRightOneStillWorks()
    {
        var openId = await System.Login.AddWeixinUserAsync("王验证");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var request = AuthorizeRequest.For(alpha);
        var callback = await browser.LoginAsync(request, openId);

        var wrong = await browser.RedeemAsync(alpha, callback.Code!, AuthorizeRequest.Random(32));
        var missing = await browser.RedeemAsync(alpha, callback.Code!, verifier: null);

        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("invalid_grant", wrong.Error);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.False(missing.Body.TryGetProperty("access_token", out _));
        // Note: the refusals did not burn the code: the client holding the verifier still gets its tokens.
        var right = await browser.RedeemAsync(alpha, callback.Code!, request.Verifier);
        Assert.Equal(HttpStatusCode.OK, right.Status);
    }

    [Theory]
    [InlineData("/alpha/signin-oidcx")]
    [InlineData("/alpha/signin-oid")]
    [InlineData("/alpha/signin-oidc/")]
    [InlineData("/Alpha/signin-oidc")]
    [InlineData("/alpha/signin-oidc?x=1")]
    public async Task Authorize_WithARedirectUriOffByOneCharacter_ShowsAnErrorPage_AndRedirectsNowhere(string path)
    {
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var registered = new Uri(alpha.RedirectUri);
        var tampered = $"{registered.Scheme}://{registered.Authority}{path}";
        Assert.NotEqual(alpha.RedirectUri, tampered);

        using var response = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha), ("redirect_uri", tampered)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("登录请求无效", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Authorize_ForAnUnknownClient_ShowsAnErrorPage_AndRedirectsNowhere()
    {
        using var browser = new OidcBrowser(System);
        var stranger = new IdpClient("stranger", null, System.Client("alpha").RedirectUri, "", "陌生应用");

        using var response = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(stranger)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("没有在微信身份登录服务登记", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Either our error page (no redirect) or the client's redirect URI with an error; never a code, never a login.</summary>
    private static void AssertRefusedWithoutCode(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Found)
        {
            var callback = new ClientCallback(response.Headers.Location!);
            Assert.Null(callback.Code);
            Assert.Equal("invalid_request", callback.Error);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(response.Headers.Location);
        }
    }
}
