using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 4: <c>/wx/oauth/callback</c> stores only a state the poller announced (signed
/// <c>POST /poller/v1/oauth-states</c>), once, before it expires; anything else gets a Chinese page and no row.
/// Real inbox process on MariaDB, requests as an attacker (or a reloading browser) sends them.
/// </summary>
public sealed class AnnouncedStateTests(AdminInboxFixture fixture) : IClassFixture<AdminInboxFixture>
{
    private AdminInbox Inbox => fixture.Inbox;

    [Fact]
    public async Task MadeUpState_IsAnsweredWithAPage_AndNothingIsStored()
    {
        var state = NewState();
        using var browser = Browser(Inbox.BaseAddress);

        using var response = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("登录链接已失效", html, StringComparison.Ordinal);
        Assert.Contains("请回到应用重新点击「微信登录」", html, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(0, await RowsAsync(state));
    }

    [Fact]
    public async Task UsedState_SecondCallbackIsRefused_AndOneItemExists()
    {
        var state = NewState();
        await Inbox.AnnounceStateAsync(state);
        using var browser = Browser(Inbox.BaseAddress);

        using var first = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");
        using var second = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");

        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("登录链接已使用", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await RowsAsync(state));
        Assert.NotNull(Assert.Single(await Inbox.QueryAsync("SELECT used_at FROM oauth_states WHERE state_hash = @h", ("@h", OAuthStateHash.Bytes(state))))["used_at"]);
    }

    [Fact]
    public async Task ExpiredState_IsRefused_AndNothingIsStored()
    {
        var state = NewState();
        await Inbox.AnnounceStateAsync(state, TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(2));
        using var browser = Browser(Inbox.BaseAddress);

        using var response = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("登录链接已失效", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(state));
    }

    [Fact]
    public async Task ParallelCallbacks_WithOneAnnouncedState_YieldExactlyOneItem()
    {
        var state = NewState();
        await Inbox.AnnounceStateAsync(state);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var browser = Browser(Inbox.BaseAddress);
            using var response = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");
            return response.StatusCode;
        }));

        Assert.Single(answers, s => s == HttpStatusCode.SeeOther);
        Assert.All(answers.Where(s => s != HttpStatusCode.SeeOther), s => Assert.Equal(HttpStatusCode.Conflict, s));
        Assert.Equal(1, await RowsAsync(state));
    }

    [Fact]
    public async Task Announcement_WithoutThePollersSignature_IsRefused_AndAnnouncesNothing()
    {
        var state = NewState();
        using var http = new HttpClient { BaseAddress = Inbox.BaseAddress };

        using var announce = await http.PostAsJsonAsync("/poller/v1/oauth-states",
            new AnnounceStateRequest(OAuthStateHash.Compute(state), DateTimeOffset.UtcNow.AddMinutes(10)));
        using var browser = Browser(Inbox.BaseAddress);
        using var callback = await browser.GetAsync($"/wx/oauth/callback?code={NewState()}&state={state}");

        Assert.Equal(HttpStatusCode.Unauthorized, announce.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, callback.StatusCode);
        Assert.Equal(0, await RowsAsync(state));
    }

    [Theory]
    [InlineData("not-a-hash", 10)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", -10)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", 60 * 48)]
    public async Task Announcement_WithABadHashOrExpiry_IsABadRequest(string hash, int minutes)
    {
        using var response = await Inbox.Poller.PostAsJsonAsync("/poller/v1/oauth-states",
            new AnnounceStateRequest(hash, DateTimeOffset.UtcNow.AddMinutes(minutes)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    internal static string NewState() => "ST" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    internal static HttpClient Browser(Uri baseAddress) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress };

    private async Task<int> RowsAsync(string state) => Convert.ToInt32(
        Assert.Single(await Inbox.QueryAsync("SELECT COUNT(*) AS n FROM inbox_items WHERE oauth_state = @s", ("@s", state)))["n"], CultureInfo.InvariantCulture);
}
