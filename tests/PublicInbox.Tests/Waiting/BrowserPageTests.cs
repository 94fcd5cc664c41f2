using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Waiting;

/// <summary>
/// The pages a browser sees on the public host (「正在登录…」 and the short refusals), from the real process. The
/// configured 「重新登录」 URL carries markup: <c>[Url]</c> accepts anything that starts with http://, so the page must
/// encode it.
/// </summary>
public sealed class BrowserPageTests(BrowserPageTests.Inbox fixture) : IClassFixture<BrowserPageTests.Inbox>
{
    private const string Markup = "\"><script>alert(1)</script>";
    private const string RetryUrl = AdminInbox.AppPrefix + "login/weixin?next=" + Markup;
    private const string EncodedRetryUrl = AdminInbox.AppPrefix + "login/weixin?next=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;";

    [Fact]
    public async Task WaitingPage_CarriesTheCspNonceOnItsStyleAndScriptAndIsNotCached()
    {
        var (id, browser) = await fixture.Value.OAuthCallbackAsync(Token(), Token());
        using var _ = browser;

        using var response = await browser.GetAsync($"/wx/wait/{id}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = Regex.Match(csp, "style-src 'nonce-([^']+)'; script-src 'nonce-\\1'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Equal(2, Regex.Count(html, $"<style nonce=\"{Regex.Escape(nonce)}\">"));
        Assert.Equal(1, Regex.Count(html, $"<script nonce=\"{Regex.Escape(nonce)}\">"));
        Assert.Contains("<title>正在登录…</title>", html, StringComparison.Ordinal);
        Assert.Contains($"data-item=\"{id}\"", html, StringComparison.Ordinal);
        Assert.Contains("'/wx/wait/' + id + '/status'", html, StringComparison.Ordinal);
        Assert.Contains("（最长 60 秒）", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitingPage_EncodesTheConfiguredRetryUrl()
    {
        var (id, browser) = await fixture.Value.OAuthCallbackAsync(Token(), Token());
        using var _ = browser;

        using var response = await browser.GetAsync($"/wx/wait/{id}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"id=\"retry\" href=\"{EncodedRetryUrl}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Markup, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitingPage_InAnotherBrowser_IsAForbiddenPageWithAnEncodedRetryLink()
    {
        var (id, owner) = await fixture.Value.OAuthCallbackAsync(Token(), Token());
        owner.Dispose();
        using var stranger = new HttpClient { BaseAddress = fixture.Value.BaseAddress };

        using var response = await stranger.GetAsync($"/wx/wait/{id}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("<h1>请在原浏览器中继续</h1>", html, StringComparison.Ordinal);
        Assert.Contains($"<a class=\"btn\" href=\"{EncodedRetryUrl}\">重新登录</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Markup, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OAuthCallback_WithoutState_IsABadRequestPageWithAnEncodedRetryLink()
    {
        using var browser = new HttpClient { BaseAddress = fixture.Value.BaseAddress };

        using var response = await browser.GetAsync("/wx/oauth/callback?code=abc");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<title>登录链接无效</title>", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{EncodedRetryUrl}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Markup, html, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a-b")]
    [InlineData("a_b")]
    [InlineData("a.b")]
    public async Task OAuthCallback_StateOutsideLettersAndDigits_IsRefusedAndNotStored(string state)
    {
        // WeChat only carries a state of a-zA-Z0-9 (and the gateway issues nothing else), so any other is tampering.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Value.BaseAddress };

        using var response = await browser.GetAsync($"/wx/oauth/callback?code={Token()}&state={state}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<title>登录链接无效</title>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    private static string Token() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>An inbox whose 「重新登录」 URL carries markup.</summary>
    public sealed class Inbox : IAsyncLifetime
    {
        private AdminInbox? _inbox;

        public AdminInbox Value => _inbox ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() =>
            _inbox = await AdminInbox.StartAsync("inbox-pages", new Dictionary<string, string?> { ["Inbox__RetryLoginUrl"] = RetryUrl });

        public async Task DisposeAsync()
        {
            if (_inbox is not null)
            {
                await _inbox.DisposeAsync();
            }
        }
    }
}
