using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>What client A got is worth nothing to client B: its id_token names A only, introspection by B says inactive, A's code cannot be redeemed by B.</summary>
[Collection(IdpCollection.Name)]
public sealed class AudienceTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task TokensOfOneClient_AreRefusedForAnother()
    {
        var openId = await System.Login.AddWeixinUserAsync("孙受众");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var beta = System.Client("beta");
        var request = AuthorizeRequest.For(alpha);
        var callback = await browser.LoginAsync(request, openId);

        var stolen = await browser.RedeemAsync(beta, callback.Code!, request.Verifier, alpha.RedirectUri);
        Assert.Equal(HttpStatusCode.BadRequest, stolen.Status);
        Assert.Equal("invalid_grant", stolen.Error);

        var tokens = await browser.RedeemAsync(alpha, callback.Code!, request.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        var audiences = CodeFlowTests.Audiences(OidcBrowser.Payload(tokens.IdToken));
        Assert.Equal(["alpha"], audiences);
        Assert.DoesNotContain("beta", audiences);

        var byAlpha = await browser.IntrospectAsync(alpha, tokens.AccessToken);
        var byBeta = await browser.IntrospectAsync(beta, tokens.AccessToken);
        Assert.True(byAlpha.Body.GetProperty("active").GetBoolean(), byAlpha.Body.ToString());
        Assert.False(byBeta.Body.GetProperty("active").GetBoolean(), byBeta.Body.ToString());
        Assert.False(byBeta.Body.TryGetProperty("sub", out _));
    }
}
