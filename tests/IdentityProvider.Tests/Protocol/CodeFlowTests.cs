using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// The authorization code flow end to end over HTTP against the real provider, gateway, inbox and simulator: a phone in
/// WeChat logs in through the gateway (number confirmation on a new device), consents, and the client's back end
/// redeems the code for tokens whose claims are the WeChat user's, under a pairwise <c>sub</c>.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class CodeFlowTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task PhoneLogin_IssuesTokensForTheWeixinUser_UnderAPairwiseSub()
    {
        var openId = await System.Login.AddWeixinUserAsync("张小凡");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var request = AuthorizeRequest.For(alpha);

        var callback = await browser.LoginAsync(request, openId);

        Assert.StartsWith(alpha.RedirectUri + "?", callback.Location.ToString(), StringComparison.Ordinal);
        Assert.Equal(request.State, callback.State);
        Assert.Equal(System.Issuer, callback.Issuer);
        Assert.Equal(1, browser.NumbersConfirmed);
        var tokens = await browser.RedeemAsync(alpha, callback.Code!, request.Verifier);
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body.ToString());

        var idToken = OidcBrowser.Payload(tokens.IdToken);
        var sub = idToken.GetProperty("sub").GetString()!;
        Assert.Equal(System.Issuer, idToken.GetProperty("iss").GetString());
        Assert.Equal("alpha", Audiences(idToken).Single());
        Assert.Equal(request.Nonce, idToken.GetProperty("nonce").GetString());
        Assert.Equal("张小凡", idToken.GetProperty("name").GetString());
        Assert.Equal("u_" + openId, idToken.GetProperty("unionid").GetString());
        Assert.NotEqual(openId, sub);
        // Note: the simulator's avatar URLs and test unionids are made from the openid (WeChat's are not); no other claim may hold it.
        foreach (var claim in idToken.EnumerateObject().Concat(OidcBrowser.Payload(tokens.AccessToken).EnumerateObject()).Where(c => c.Name is not "picture" and not "unionid"))
        {
            Assert.DoesNotContain(openId, claim.Value.ToString(), StringComparison.Ordinal);
        }

        using var jwksClient = new HttpClient();
        var jwks = await jwksClient.GetFromJsonAsync<JsonElement>(new Uri(System.BaseAddress, "/.well-known/jwks"));
        Assert.True(Jwt.VerifiesWith(tokens.IdToken, jwks), "the id_token is signed by a key of the JWKS");

        var (status, userInfo) = await browser.UserInfoAsync(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(sub, userInfo!.Value.GetProperty("sub").GetString());
        Assert.Equal("张小凡", userInfo.Value.GetProperty("name").GetString());
    }

    internal static IReadOnlyList<string> Audiences(JsonElement jwt) =>
        jwt.GetProperty("aud") is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray().Select(a => a.GetString()!)] : [jwt.GetProperty("aud").GetString()!];
}
