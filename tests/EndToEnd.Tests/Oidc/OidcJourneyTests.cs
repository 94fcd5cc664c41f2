using Microsoft.Playwright;
using Weixin.Inbox.Testing;
using static Weixin.Inbox.EndToEnd.Tests.Oidc.OidcPages;

namespace Weixin.Inbox.EndToEnd.Tests.Oidc;

/// <summary>
/// The sample relying party (Microsoft's OpenIdConnect handler) signing in through the IdentityProvider, clicked through
/// in Chromium against real processes: the provider's WeChat login on a phone and 扫码登录 on a desktop (both through the
/// gateway, the public inbox and the simulator, with the number sent in the 公众号 chat), consent, SSO into a second
/// app, 「拒绝」 and 「退出」. Screenshots: test-results/artifacts/screenshots/oidc-*.png.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OidcJourneyTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private LoginSystem Login => fixture.Login;

    [Fact]
    public async Task Phone_WeixinLoginNumberAndConsent_SampleAppShowsPairwiseSubAndNickname()
    {
        var openId = await Login.AddWeixinUserAsync("手机小赵");
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();

        await PressWeixinLoginAsync(phone, fixture.Sample);
        // In WeChat's browser the provider goes straight to WeChat's OAuth (through the gateway and the public inbox).
        await AuthorizeAtWeixinAsync(phone, openId);
        await ConfirmNumberAsync(phone, Login, openId, screenshot: "oidc-01-phone-number");
        await ConsentAsync(phone, fixture.SampleName, allow: true, screenshot: "oidc-02-phone-consent");
        var claims = await ClaimsAsync(phone, fixture.Sample, screenshot: "oidc-03-phone-claims");

        Assert.Equal("手机小赵", claims["name"]);
        Assert.DoesNotContain(openId, claims["sub"]);
        Assert.DoesNotContain(claims, c => c.Value == openId); // no claim is the raw openid (pairwise client)
        Assert.Matches(DerivedSubject(), claims["sub"]);
    }

    [Fact]
    public async Task Desktop_ScanLoginNumberAndConsent_ThenTheSecondAppSignsInWithoutWeixin_WithAnotherSub()
    {
        var openId = await Login.AddWeixinUserAsync("电脑老钱");
        await using var chromium = await Chromium.LaunchAsync();
        var desktop = await chromium.NewDesktopAsync();

        // A desktop browser gets the provider's 扫码登录 QR code; the simulated phone scans what the camera would read.
        await PressWeixinLoginAsync(desktop, fixture.Sample);
        var qr = await ReadQrAsync(desktop);
        await Chromium.ScreenshotAsync(desktop, "oidc-04-desktop-qr");
        await fixture.ScanAsync(openId, qr);
        await ConfirmNumberAsync(desktop, Login, openId, screenshot: "oidc-05-desktop-number");
        await ConsentAsync(desktop, fixture.SampleName, allow: true);
        var first = await ClaimsAsync(desktop, fixture.Sample, screenshot: "oidc-06-desktop-claims");
        Assert.Matches(DerivedSubject(), first["sub"]);
        Assert.DoesNotContain(first, c => c.Value == openId);
        // Note: a user known only by 扫码 has no nickname (WeChat's user/info has none); the provider invents none.
        Assert.True(!first.TryGetValue("name", out var name) || name == "电脑老钱", "name: " + name);

        // The second app: the provider's session is there, so no WeChat, no QR code, no number; only its own consent.
        var logins = await fixture.WeixinLoginCountAsync();
        var visited = Track(desktop);
        await PressWeixinLoginAsync(desktop, fixture.Sample2);
        await ConsentAsync(desktop, fixture.Sample2Name, allow: true, screenshot: "oidc-07-sso-consent");
        var second = await ClaimsAsync(desktop, fixture.Sample2, screenshot: "oidc-08-sso-claims");

        Assert.Matches(DerivedSubject(), second["sub"]);
        Assert.NotEqual(first["sub"], second["sub"]); // pairwise: the two apps cannot join their users by sub
        Assert.Equal(logins, await fixture.WeixinLoginCountAsync());
        Assert.Contains(visited, url => url.StartsWith(new Uri(fixture.Issuer, "/connect/authorize").ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(visited, url => url.StartsWith(Login.Simulator.BaseAddress.ToString(), StringComparison.Ordinal)
            || url.StartsWith(Login.Inbox.BaseAddress.ToString(), StringComparison.Ordinal));
        Assert.False(await desktop.IsVisibleAsync("#scan-qr"));
    }

    [Fact]
    public async Task Consent_Refused_SampleAppShowsItsChinesePage_NotSignedIn()
    {
        var openId = await Login.AddWeixinUserAsync("不同意的人");
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();

        await PressWeixinLoginAsync(phone, fixture.Sample);
        await AuthorizeAtWeixinAsync(phone, openId);
        await ConfirmNumberAsync(phone, Login, openId);
        await ConsentAsync(phone, fixture.SampleName, allow: false);

        await phone.Locator("#login-failed").WaitForAsync(Visible);
        Assert.Equal(new Uri(fixture.Sample.BaseAddress, "/login-failed?error=access_denied").ToString(), phone.Url);
        Assert.Contains("你拒绝了授权", await phone.InnerTextAsync("#login-failed"));
        await Chromium.ScreenshotAsync(phone, "oidc-09-refused");
        await phone.ClickAsync("#back");
        await phone.Locator("#weixin-login").WaitForAsync(Visible);
        Assert.False(await phone.IsVisibleAsync("#claims"));
    }

    [Fact]
    public async Task TokenRequestRefused_SampleAppShowsItsChinesePage_NotA500()
    {
        // An app whose secret does not match the provider's: the provider refuses its code exchange (invalid_client).
        var openId = await Login.AddWeixinUserAsync("配置错了");
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();
        var responses = new List<int>();
        phone.Response += (_, response) =>
        {
            if (response.Url.StartsWith(fixture.MisconfiguredSample.BaseAddress.ToString(), StringComparison.Ordinal))
            {
                lock (responses)
                {
                    responses.Add(response.Status);
                }
            }
        };

        await PressWeixinLoginAsync(phone, fixture.MisconfiguredSample);
        await AuthorizeAtWeixinAsync(phone, openId);
        await ConfirmNumberAsync(phone, Login, openId);
        await ConsentAsync(phone, fixture.MisconfiguredSampleName, allow: true);

        await phone.Locator("#login-failed").WaitForAsync(Visible);
        Assert.Equal(new Uri(fixture.MisconfiguredSample.BaseAddress, "/login-failed?error=invalid_client").ToString(), phone.Url);
        Assert.Contains("登录没有完成", await phone.InnerTextAsync("#login-failed"));
        Assert.DoesNotContain(responses, status => status >= 500);
        Assert.False(await phone.IsVisibleAsync("#claims"));
        await Chromium.ScreenshotAsync(phone, "oidc-11-token-refused");
    }

    [Fact]
    public async Task ProviderUnreachable_WeixinLogin_ShowsAChinesePage_NoStackTrace()
    {
        // Note: a copy pointed at a port nobody listens on: the handler cannot read the discovery document.
        await using var app = new SampleAppProcess("sample", "s3cret-unreachable-provider", "oidc-unreachable");
        await app.StartAsync(new Uri($"http://127.0.0.1:{TestEnvironment.FreePort()}/"));
        await using var chromium = await Chromium.LaunchAsync();
        var desktop = await chromium.NewDesktopAsync();

        await PressWeixinLoginAsync(desktop, app);
        await desktop.Locator("#error").WaitForAsync(Visible);
        Assert.Contains("身份提供方可能无法连接", await desktop.InnerTextAsync("#error"));
        Assert.DoesNotContain("Exception", await desktop.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_EndsTheProviderSessionToo_NextLoginGoesThroughWeixinAgain()
    {
        var openId = await Login.AddWeixinUserAsync("退出的人");
        await using var chromium = await Chromium.LaunchAsync();
        var phone = await chromium.NewPhoneAsync();
        await PressWeixinLoginAsync(phone, fixture.Sample);
        await AuthorizeAtWeixinAsync(phone, openId);
        await ConfirmNumberAsync(phone, Login, openId);
        await ConsentAsync(phone, fixture.SampleName, allow: true);
        var before = await ClaimsAsync(phone, fixture.Sample);

        // 「退出」: the app's cookie, then the provider's end-session endpoint, and back to the app signed out.
        var visited = Track(phone);
        await phone.ClickAsync("#logout");
        await phone.Locator("#weixin-login").WaitForAsync(Visible);
        Assert.Equal(fixture.Sample.BaseAddress.ToString(), phone.Url);
        Assert.Contains(visited, url => url.StartsWith(new Uri(fixture.Issuer, "/connect/endsession").ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(await phone.Context.CookiesAsync(), c => c.Name == "sample_" + fixture.Sample.ClientId);
        await Chromium.ScreenshotAsync(phone, "oidc-10-signed-out");

        // The provider's session is gone: 「微信登录」 goes to WeChat again. The phone is a known device now and the
        // consent is remembered, so after WeChat's 「同意」 it lands straight on the claims, with the same sub.
        visited.Clear();
        await PressWeixinLoginAsync(phone, fixture.Sample);
        await AuthorizeAtWeixinAsync(phone, openId);
        var after = await ClaimsAsync(phone, fixture.Sample);
        Assert.Equal(before["sub"], after["sub"]);
        Assert.DoesNotContain(visited, url => url.Contains("confirm", StringComparison.OrdinalIgnoreCase));
    }
}
