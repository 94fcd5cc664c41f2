using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests.Security;

/// <summary>
/// Issue 12's attack against the provider, where it would open every LAN app at once: WeChat codes are not bound to
/// the browser (no PKCE at WeChat), so a malicious public inbox files victim V's code under the state of a login that
/// attacker A's browser started. A's browser then redeems a ticket for V; the provider must not start an SSO session
/// for V there: A's browser is a device new for V, so the number is asked, and V never sends it.
/// </summary>
[Collection(IdpCollection.Name)]
public sealed partial class CompromisedInboxTests(IdpFixture fixture)
{
    private IdpSystem System => fixture.System;

    [Fact]
    public async Task CodeFiledUnderAnotherBrowsersState_StartsNoSession_AndIssuesNoCode()
    {
        var victim = await System.Login.AddWeixinUserAsync("被冒用的人");
        var alpha = System.Client("alpha");
        using var attacker = new OidcBrowser(System);
        using var victimPhone = new OidcBrowser(System);

        // A starts a login at the provider; its state is in WeChat's authorize URL.
        var attackerAuthorize = attacker.AuthorizeUrl(AuthorizeRequest.For(alpha));
        using (var toLogin = await attacker.GetAsync(attackerAuthorize))
        {
            var attackerWeixin = await attacker.FollowToWeixinAsync(new Uri(attackerAuthorize, toLogin.Headers.Location!));
            var attackerState = HttpUtility.ParseQueryString(attackerWeixin.Query)["state"];
            Assert.False(string.IsNullOrEmpty(attackerState));

            // V authorizes a login of V's own; the malicious inbox keeps V's code and files it under A's state.
            var victimAuthorize = victimPhone.AuthorizeUrl(AuthorizeRequest.For(alpha));
            using var victimToLogin = await victimPhone.GetAsync(victimAuthorize);
            var victimWeixin = await victimPhone.FollowToWeixinAsync(new Uri(victimAuthorize, victimToLogin.Headers.Location!));
            var victimCallback = await victimPhone.AllowAtWeixinAsync(victimWeixin, victim);
            var query = HttpUtility.ParseQueryString(victimCallback.Query);
            Assert.NotEqual(attackerState, query["state"]);
            query["state"] = attackerState;
            var forged = new UriBuilder(victimCallback) { Query = query.ToString() }.Uri;

            // A's browser follows the inbox's page with V's code: the gateway vouches for V, the provider asks the number.
            var next = await attacker.ReturnFromWeixinAsync(forged);
            Assert.Equal("/login/weixin/confirm", next.AbsolutePath);
            using var confirmPage = await attacker.GetAsync(next);
            var number = int.Parse(Number().Match(await confirmPage.Content.ReadAsStringAsync()).Groups[1].Value, CultureInfo.InvariantCulture);

            // V never sends A's number; V's wrong numbers (three) cancel the login.
            for (var i = 1; i <= 3; i++)
            {
                await System.Login.SendAsUserAsync(victim, "text", ((number + i) % 100).ToString("D2", CultureInfo.InvariantCulture), mode: "aes");
            }

            using var status = await attacker.GetAsync(new Uri(System.BaseAddress, "/login/weixin/status?wait=8"));
            var body = await status.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("cancelled", body.GetProperty("state").GetString());
        }

        // A has no session: authorize still wants a login, and no code was ever issued to A's browser.
        using var afterwards = await attacker.GetAsync(attacker.AuthorizeUrl(AuthorizeRequest.For(alpha)));
        Assert.Equal(HttpStatusCode.Found, afterwards.StatusCode);
        Assert.StartsWith("/login?", afterwards.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var devices = await System.Login.Database.QueryAsync(System.IdpDatabase, "SELECT COUNT(*) AS n FROM known_devices WHERE open_id = @o", ("@o", victim));
        Assert.Equal(0L, Convert.ToInt64(devices.Single()["n"], CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("请在微信公众号对话中发送数字 <strong>([0-9]{2})</strong> 确认登录")]
    private static partial Regex Number();
}
