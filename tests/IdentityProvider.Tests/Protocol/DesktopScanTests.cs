using System.Net;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>A desktop browser (outside WeChat) logs in to a client with the 扫码登录 QR code and the number, then gets a code.</summary>
[Collection(IdpCollection.Name)]
public sealed class DesktopScanTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task DesktopLogin_ByScanAndNumber_GetsACodeForTheScanningUser()
    {
        var openId = await System.Login.AddWeixinUserAsync("卫扫码");
        using var desktop = new OidcBrowser(System, UserAgents.DesktopChrome);
        using var phone = new OidcBrowser(System);
        var beta = System.Client("beta");
        var request = AuthorizeRequest.For(beta);

        using var consent = await desktop.DesktopAuthorizeAsync(desktop.AuthorizeUrl(request), openId);
        var callback = await desktop.DecideAsync(consent, accept: true);
        var tokens = await desktop.RedeemAsync(beta, callback.Code!, request.Verifier);

        Assert.Equal(1, desktop.NumbersConfirmed);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.NotEqual(openId, OidcBrowser.Payload(tokens.IdToken).GetProperty("sub").GetString());
        // The same WeChat user on the phone sees the same pairwise sub for this client. (A scan tells only the openid: the
        // nickname is known once the user has logged in once through WeChat's web authorization, as here.)
        var phoneRequest = AuthorizeRequest.For(beta);
        var phoneTokens = await phone.RedeemAsync(beta, (await phone.LoginAsync(phoneRequest, openId)).Code!, phoneRequest.Verifier);
        Assert.Equal(OidcBrowser.Payload(tokens.IdToken).GetProperty("sub").GetString(), OidcBrowser.Payload(phoneTokens.IdToken).GetProperty("sub").GetString());
        Assert.Equal("卫扫码", OidcBrowser.Payload(phoneTokens.IdToken).GetProperty("name").GetString());
    }
}
