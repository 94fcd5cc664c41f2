using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests;

/// <summary>A page as the browser received it.</summary>
public sealed record CrmPage(Uri Url, HttpStatusCode Status, string Html)
{
    /// <summary>The HTML with entities decoded, for "the user sees this text" checks.</summary>
    public string Text => WebUtility.HtmlDecode(Html);
}

/// <summary>
/// A browser without JavaScript against the CRM: its own cookie jar, redirects followed by hand so each hop can be
/// checked, forms posted with the antiforgery token read from the page like a browser would.
/// </summary>
public sealed partial class CrmBrowser(CrmSystem system, string userAgent = UserAgents.WeixinPhone) : IDisposable
{
    // Note: by default WeChat's in-app browser on a phone, the only place WeChat's authorize page works.
    private readonly ScriptedBrowser _browser = system.Login.NewBrowser(userAgent);

    public HttpClient Http => _browser.Http;
    public CookieContainer Cookies => _browser.Cookies;

    public Uri Url(string path) => new(system.BaseAddress, path);

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(Url(path));

    /// <summary>GETs a page and follows redirects (at most 10).</summary>
    public async Task<CrmPage> OpenAsync(string path)
    {
        var url = Url(path);
        for (var hop = 0; hop < 10; hop++)
        {
            using var response = await Http.GetAsync(url);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                url = new Uri(url, location);
                continue;
            }

            return new CrmPage(url, response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        throw new InvalidOperationException("Too many redirects from " + path);
    }

    /// <summary>
    /// Opens <paramref name="formPage"/>, takes its antiforgery token (unless <paramref name="withToken"/> is false)
    /// and posts <paramref name="fields"/> to <paramref name="action"/>; the answer is not followed.
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, IReadOnlyDictionary<string, string> fields, bool withToken = true)
    {
        var form = new Dictionary<string, string>(fields);
        if (withToken)
        {
            var page = await OpenAsync(formPage);
            form["__RequestVerificationToken"] = Token(page.Html)
                ?? throw new InvalidOperationException($"No antiforgery token on {formPage} ({page.Status}, {page.Url})");
        }

        using var content = new FormUrlEncodedContent(form);
        return await Http.PostAsync(Url(action), content);
    }

    /// <summary>Posts a form and opens where it redirects to, or returns the re-rendered page.</summary>
    public async Task<CrmPage> SubmitAsync(string formPage, string action, IReadOnlyDictionary<string, string> fields)
    {
        using var response = await PostFormAsync(formPage, action, fields);
        return response.Headers.Location is { } location && (int)response.StatusCode is >= 300 and < 400
            ? await OpenAsync(new Uri(Url(action), location).PathAndQuery)
            : new CrmPage(Url(action), response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<CrmPage> SignInWithPasswordAsync(string userName, string password, string? returnUrl = null) =>
        await SubmitAsync("/login", returnUrl is null ? "/login" : "/login?returnUrl=" + Uri.EscapeDataString(returnUrl), new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        });

    /// <summary>
    /// Presses 「微信登录」 (<c>/login/weixin</c>), decides on the simulator's authorize page, lets the inbox and
    /// the poller do their work, and returns where the waiting page sends the browser (<c>done?ticket=</c> or <c>/login?err=</c>).
    /// </summary>
    public async Task<Uri> WeixinUntilReturnAsync(string openId, bool allow = true, string? returnUrl = null)
    {
        using var start = await GetAsync(returnUrl is null ? "/login/weixin" : "/login/weixin?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        return await AuthorizeUntilReturnAsync(start.Headers.Location!.ToString(), openId, allow);
    }

    /// <summary>From WeChat's authorize page (where <c>/login/weixin</c> sent the browser) to where the waiting page sends it.</summary>
    public async Task<Uri> AuthorizeUntilReturnAsync(string authorizeUrl, string openId, bool allow = true)
    {
        var callback = await _browser.AuthorizeAsync(authorizeUrl, openId, allow);
        var itemId = await _browser.OpenCallbackAsync(callback);
        var outcome = await _browser.WaitForResultAsync(itemId);
        Assert.Equal("done", outcome.State);
        return new Uri(outcome.RedirectUrl!);
    }

    /// <summary>Presses 「拒绝」 on WeChat's authorize page; returns the page WeChat keeps the user on.</summary>
    public Task<string> RefuseAsync(string authorizeUrl, string openId) => _browser.RefuseAsync(authorizeUrl, openId);

    /// <summary>The whole WeChat login up to the CRM's answer to <c>/login/weixin/done?ticket=</c> (not followed).</summary>
    public async Task<HttpResponseMessage> WeixinLoginAsync(string openId, string? returnUrl = null)
    {
        var done = await WeixinUntilReturnAsync(openId, allow: true, returnUrl);
        Assert.StartsWith(Url("/login/weixin/done?ticket=").ToString(), done.ToString());
        return await Http.GetAsync(done);
    }

    /// <summary>Where a response redirects to, as a path (CrmApp answers local redirects with relative URLs).</summary>
    public static string? LocationOf(HttpResponseMessage response) => response.Headers.Location?.OriginalString;

    public static string? Token(string html) => TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    public void Dispose() => _browser.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
