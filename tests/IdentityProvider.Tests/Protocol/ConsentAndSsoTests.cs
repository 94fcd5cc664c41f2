using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Protocol;

/// <summary>
/// The consent per user and client (remembered; 「拒绝」 → access_denied), the provider's SSO session (a second client
/// logs in without WeChat), the subjects each client sees (pairwise by default, public on request, the raw openid only
/// for a client configured so), and end-session.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed class ConsentAndSsoTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task Consent_IsAskedOnce_ThenRemembered()
    {
        var openId = await System.Login.AddWeixinUserAsync("吴同意");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");

        using (var first = await browser.AuthorizeAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha)), openId))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Contains("阿尔法应用 想使用你的微信身份登录", await first.Content.ReadAsStringAsync());
            Assert.NotNull((await browser.DecideAsync(first, accept: true)).Code);
        }

        var again = AuthorizeRequest.For(alpha);
        using var second = await browser.GetAsync(browser.AuthorizeUrl(again));
        var callback = browser.ToClient(second);
        Assert.NotNull(callback.Code);
        Assert.Equal(again.State, callback.State);
    }

    [Fact]
    public async Task MaxAge_OlderThanTheSession_AsksForALoginAgain_PromptNone_AnswersLoginRequired()
    {
        var openId = await System.Login.AddWeixinUserAsync("李最长");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        Assert.NotNull((await browser.LoginAsync(AuthorizeRequest.For(alpha), openId)).Code);
        await Task.Delay(TimeSpan.FromSeconds(2));

        using (var tooOld = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha), ("max_age", "1"))))
        {
            Assert.Equal(HttpStatusCode.Found, tooOld.StatusCode);
            Assert.StartsWith("/login?", tooOld.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        // The session is gone now: a client asking for no interaction hears login_required, with its state.
        var silent = AuthorizeRequest.For(alpha);
        using var none = await browser.GetAsync(browser.AuthorizeUrl(silent, ("prompt", "none")));
        var callback = browser.ToClient(none);
        Assert.Equal("login_required", callback.Error);
        Assert.Equal(silent.State, callback.State);
        Assert.Null(callback.Code);
    }

    [Fact]
    public async Task Consent_Refused_AnswersAccessDenied_ToTheClient()
    {
        var openId = await System.Login.AddWeixinUserAsync("郑拒绝");
        using var browser = new OidcBrowser(System);
        var beta = System.Client("beta");
        var request = AuthorizeRequest.For(beta);

        using var consent = await browser.AuthorizeAsync(browser.AuthorizeUrl(request), openId);
        var callback = await browser.DecideAsync(consent, accept: false);

        Assert.StartsWith(beta.RedirectUri + "?", callback.Location.ToString(), StringComparison.Ordinal);
        Assert.Equal("access_denied", callback.Error);
        Assert.Equal(request.State, callback.State);
        Assert.Null(callback.Code);
        // Note: a refusal is not remembered: the next authorize asks again.
        using var next = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(beta)));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task SecondClient_LogsInWithoutWeixin_AndSeesItsOwnStablePairwiseSub()
    {
        var openId = await System.Login.AddWeixinUserAsync("冯单点");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var beta = System.Client("beta");
        var alphaSub = await SubAsync(browser, alpha, openId);
        var codesBefore = await WeixinCodesIssuedAsync();

        var betaSub = await SubAsync(browser, beta, openId);
        var betaAgain = await SubAsync(browser, beta, openId);

        Assert.Equal(codesBefore, await WeixinCodesIssuedAsync());
        Assert.Equal(1, browser.NumbersConfirmed);
        Assert.NotEqual(alphaSub, betaSub);
        Assert.Equal(betaSub, betaAgain);
        Assert.NotEqual(openId, alphaSub);
        Assert.NotEqual(openId, betaSub);

        // The same WeChat user in another browser (a new WeChat login there) gets the same pairwise sub.
        using var otherBrowser = new OidcBrowser(System);
        Assert.Equal(alphaSub, await SubAsync(otherBrowser, alpha, openId));
    }

    [Fact]
    public async Task ClientConfiguredForOpenId_SeesTheRawOpenId_AndPublicClientsGetCodesWithPkceOnly()
    {
        var openId = await System.Login.AddWeixinUserAsync("陈原始");
        using var browser = new OidcBrowser(System);

        Assert.Equal(openId, await SubAsync(browser, System.Client("raw"), openId));
        var gammaSub = await SubAsync(browser, System.Client("gamma"), openId);
        Assert.NotEqual(openId, gammaSub);
    }

    [Fact]
    public async Task EndSession_ClearsTheSsoSession_AndReturnsOnlyToARegisteredUri()
    {
        var openId = await System.Login.AddWeixinUserAsync("褚退出");
        using var browser = new OidcBrowser(System);
        var alpha = System.Client("alpha");
        var request = AuthorizeRequest.For(alpha);
        var tokens = await browser.RedeemAsync(alpha, (await browser.LoginAsync(request, openId)).Code!, request.Verifier);

        using (var refused = await browser.GetAsync(EndSession(tokens.IdToken, "http://127.0.0.1:1/elsewhere")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
        }

        using (var signedOut = await browser.GetAsync(EndSession(tokens.IdToken, alpha.PostLogoutRedirectUri, "s1")))
        {
            Assert.Equal(HttpStatusCode.Found, signedOut.StatusCode);
            Assert.StartsWith(alpha.PostLogoutRedirectUri, signedOut.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        using (var afterwards = await browser.GetAsync(browser.AuthorizeUrl(AuthorizeRequest.For(alpha))))
        {
            Assert.Equal(HttpStatusCode.Found, afterwards.StatusCode);
            Assert.StartsWith("/login?", afterwards.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        // Logging in again goes through WeChat, but this browser is a known device of the user now: no number this time.
        var again = await browser.LoginAsync(AuthorizeRequest.For(alpha), openId);
        Assert.NotNull(again.Code);
        Assert.Equal(1, browser.NumbersConfirmed);
    }

    private Uri EndSession(string idToken, string postLogoutRedirectUri, string? state = null) =>
        new(System.BaseAddress, "/connect/endsession?id_token_hint=" + Uri.EscapeDataString(idToken)
            + "&post_logout_redirect_uri=" + Uri.EscapeDataString(postLogoutRedirectUri) + (state is null ? "" : "&state=" + state));

    private static async Task<string> SubAsync(OidcBrowser browser, IdpClient client, string openId)
    {
        var request = AuthorizeRequest.For(client);
        var callback = await browser.LoginAsync(request, openId);
        var tokens = await browser.RedeemAsync(client, callback.Code!, request.Verifier);
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body.ToString());
        var sub = OidcBrowser.Payload(tokens.IdToken).GetProperty("sub").GetString()!;
        var (_, userInfo) = await browser.UserInfoAsync(tokens.AccessToken);
        Assert.Equal(sub, userInfo!.Value.GetProperty("sub").GetString());
        return sub;
    }

    /// <summary>How many OAuth codes WeChat (the simulator) has issued so far: one per WeChat web login.</summary>
    private async Task<long> WeixinCodesIssuedAsync()
    {
        using var http = new HttpClient();
        var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(System.Login.Simulator.BaseAddress, "/sim/stats"));
        return stats.GetProperty("codesIssued").GetInt64();
    }
}
