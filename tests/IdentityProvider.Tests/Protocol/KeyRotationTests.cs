using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// <c>signing-key rotate</c> on a running provider: the new keys are picked up live (<c>Keys:CheckInterval</c>, 1 s here;
/// <c>Keys:PublishAhead</c> 0 here, so they sign at once), and everything issued before keeps working until it expires:
/// the access token at userinfo, the id_token against the JWKS, a refresh token (encrypted with the retired encryption key).
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class KeyRotationTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task Rotation_KeepsExistingTokensAndCodesValid_AndNewTokensUseTheNewKey()
    {
        var openId = await System.Login.AddWeixinUserAsync("周轮换");
        using var browser = new OidcBrowser(System);
        var delta = System.Client("delta");
        var request = AuthorizeRequest.For(delta);
        var before = await browser.RedeemAsync(delta, (await browser.LoginAsync(request, openId, "openid profile offline_access")).Code!, request.Verifier);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        var oldKid = Jwt.KeyId(before.IdToken);
        var kidsBefore = KeyIds(await WaitForJwksAsync(_ => true));

        var rotated = await System.RunCommandAsync("signing-key", "rotate");
        Assert.True(rotated.ExitCode == 0, rotated.Output);
        // OpenIddict signs refresh tokens too: the replaced signing key must stay as long as a refresh token lives
        // (14 days by default), not only as long as access and id tokens (it was deleted after ~65 minutes).
        var oldKey = Assert.Single(await System.Login.Database.QueryAsync(System.IdpDatabase, "SELECT expires_at FROM server_keys WHERE key_id = @k", ("@k", oldKid)));
        Assert.True(oldKey["expires_at"] is DateTime expires && expires > DateTime.UtcNow.AddDays(13), $"the replaced signing key expires at {oldKey["expires_at"]}");

        // The running provider publishes the new key within its check interval.
        var jwks = await WaitForJwksAsync(keys => keys.Except(kidsBefore).Any());
        Assert.Contains(oldKid, KeyIds(jwks));

        Assert.Equal(HttpStatusCode.OK, (await browser.UserInfoAsync(before.AccessToken)).Status);
        Assert.True(Jwt.VerifiesWith(before.IdToken, jwks), "the id_token signed before the rotation still verifies with the published keys");
        // Note: the refresh token was encrypted with the encryption key that was current then; the retired key still decrypts it.
        var refreshed = await browser.RefreshAsync(delta, before.RefreshToken!);
        Assert.True(refreshed.Status == HttpStatusCode.OK, refreshed.Body.ToString());

        var afterRequest = AuthorizeRequest.For(delta);
        var after = await browser.RedeemAsync(delta, (await browser.LoginAsync(afterRequest, openId)).Code!, afterRequest.Verifier);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.NotEqual(oldKid, Jwt.KeyId(after.IdToken));
        Assert.True(Jwt.VerifiesWith(after.IdToken, jwks));
        Assert.Equal(HttpStatusCode.OK, (await browser.UserInfoAsync(after.AccessToken)).Status);
    }

    private async Task<JsonElement> WaitForJwksAsync(Func<IReadOnlyList<string>, bool> done)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement jwks;
        do
        {
            jwks = await http.GetFromJsonAsync<JsonElement>(new Uri(System.BaseAddress, "/.well-known/jwks"));
            if (done(KeyIds(jwks)))
            {
                // Note: the key set and the key that signs change together (one options rebuild).
                return jwks;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException("the JWKS did not change after the rotation: " + jwks);
    }

    private static List<string> KeyIds(JsonElement jwks) => [.. jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
}
