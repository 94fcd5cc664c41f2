using System.Net;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Security;

/// <summary>
/// Found by a review of the provider: where a login ends. A return address the browser reads as another site must
/// never be followed after a login, and a request that asks for a fresh login (prompt=login with other values,
/// max_age=0) must end after one login instead of sending the user back to WeChat forever.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class ReturnAndPromptTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Theory]
    [InlineData("/\t/evil.example/phish")]
    [InlineData("/\n/evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    public async Task Login_WithAReturnUrlABrowserReadsAsAnotherSite_EndsOnTheProvidersHomePage(string returnUrl)
    {
        var openId = await System.Login.AddWeixinUserAsync("钱回跳");
        using var browser = new OidcBrowser(System);

        var next = await browser.PhoneLoginAsync(returnUrl, openId);

        Assert.Equal(System.BaseAddress.Authority, next.Authority);
        Assert.Equal("/", next.AbsolutePath);
    }

    [Fact]
    public async Task MaxAgeZero_EndsAfterOneLogin()
    {
        var openId = await System.Login.AddWeixinUserAsync("孙零秒");
        using var browser = new OidcBrowser(System);

        // AuthorizeAsync logs in through WeChat once and opens authorize again: the consent page, not /login once more.
        using var answer = await browser.AuthorizeAsync(browser.AuthorizeUrl(AuthorizeRequest.For(System.Client("alpha")), ("max_age", "0")), openId);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("想使用你的微信身份登录", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PromptLoginConsent_WithASession_LogsInOnceMore_ThenAsksConsent()
    {
        var openId = await System.Login.AddWeixinUserAsync("周两问");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        Assert.NotNull((await browser.LoginAsync(AuthorizeRequest.For(alpha), openId)).Code);

        using var answer = await browser.AuthorizeAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha), ("prompt", "login consent")), openId);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("想使用你的微信身份登录", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithoutTheProfileScope_NoTokenCarriesProfileClaims()
    {
        var openId = await System.Login.AddWeixinUserAsync("吴无档");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var request = AuthorizeRequest.For(alpha);

        var tokens = await browser.RedeemAsync(alpha, (await browser.LoginAsync(request, openId, "openid")).Code!, request.Verifier);

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        // Note: the access token is a readable JWT; the consent page promised nickname and picture only with profile.
        foreach (var jwt in new[] { tokens.AccessToken, tokens.IdToken })
        {
            var payload = JsonDocument.Parse(Jwt.Decode(jwt.Split('.')[1])).RootElement;
            Assert.True(payload.TryGetProperty("sub", out _), payload.ToString());
            Assert.False(payload.TryGetProperty("name", out _), payload.ToString());
            Assert.False(payload.TryGetProperty("picture", out _), payload.ToString());
        }

        var (status, userInfo) = await browser.UserInfoAsync(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(userInfo!.Value.TryGetProperty("name", out _), userInfo.ToString());
    }
}
