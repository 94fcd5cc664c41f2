using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>Codes are single-use and short-lived (OpenIddict's token store: redemption status and expiry).</summary>
[Collection(IdpCollection.Name)]
public sealed class CodeTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task Code_RedeemedTwice_SecondIsRefused_AndTheFirstTokensAreRevoked()
    {
        var openId = await System.Login.AddWeixinUserAsync("赵重放");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var request = AuthorizeRequest.For(alpha);
        var callback = await browser.LoginAsync(request, openId);
        var first = await browser.RedeemAsync(alpha, callback.Code!, request.Verifier);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.UserInfoAsync(first.AccessToken)).Status);

        var second = await browser.RedeemAsync(alpha, callback.Code!, request.Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, second.Status);
        Assert.Equal("invalid_grant", second.Error);
        // Note: a replayed code means it leaked: OpenIddict revokes what the first redemption issued (RFC 6749 §4.1.2).
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.UserInfoAsync(first.AccessToken)).Status);
    }

    [Fact]
    public async Task Code_RedeemedAfterItsLifetime_IsRefused()
    {
        var openId = await System.Login.AddWeixinUserAsync("钱过期");
        using var browser = new OidcBrowser(System);
        var beta = System.Client("beta");
        var request = AuthorizeRequest.For(beta);
        var callback = await browser.LoginAsync(request, openId);

        await Task.Delay(IdpFixture.CodeLifetime + TimeSpan.FromSeconds(2));
        var late = await browser.RedeemAsync(beta, callback.Code!, request.Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, late.Status);
        Assert.Equal("invalid_grant", late.Error);
    }
}
