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
/// <param name="system">The system under test.</param>
/// <param name="userAgent">The browser's User-Agent.</param>
/// <param name="baseAddress">The CrmApp instance paths go to (by default the system's own; another instance started
/// with <see cref="CrmSystem.StartAnotherInstanceAsync"/> otherwise).</param>
public sealed partial class CrmBrowser(CrmSystem system, string userAgent = UserAgents.WeixinPhone, Uri? baseAddress = null) : IDisposable
{
    // Note: by default WeChat's in-app browser on a phone, the only place WeChat's authorize page works.
    private readonly ScriptedBrowser _browser = system.Login.NewBrowser(userAgent);

    public HttpClient Http => _browser.Http;
    public CookieContainer Cookies => _browser.Cookies;

    /// <summary>The CrmApp instance paths go to (the system's by default; another instance on the same database shares the cookies).</summary>
    public Uri BaseAddress { get; set; } = baseAddress ?? system.BaseAddress;

    public Uri Url(string path) => new(BaseAddress, path);

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

    /// <summary>Presses 「同意」 on WeChat's authorize page; returns where WeChat sends the browser (the inbox's callback with the code), not opened.</summary>
    public Task<Uri> AuthorizeAsync(string authorizeUrl, string openId) => _browser.AuthorizeAsync(authorizeUrl, openId, allow: true);

    /// <summary>Presses 「拒绝」 on WeChat's authorize page; returns the page WeChat keeps the user on.</summary>
    public Task<string> RefuseAsync(string authorizeUrl, string openId) => _browser.RefuseAsync(authorizeUrl, openId);

    /// <summary>
    /// The whole WeChat login up to the CRM's answer to <c>/login/weixin/done?ticket=</c> (not followed). On a device
    /// new for that WeChat user (every fresh <see cref="CrmBrowser"/>) the CRM first asks for the number: it is
    /// confirmed like a user would (see <see cref="OpenDoneAsync"/>).
    /// </summary>
    public async Task<HttpResponseMessage> WeixinLoginAsync(string openId, string? returnUrl = null)
    {
        var done = await WeixinUntilReturnAsync(openId, allow: true, returnUrl);
        Assert.StartsWith(Url("/login/weixin/done?ticket=").ToString(), done.ToString());
        return await OpenDoneAsync(done, openId);
    }

    /// <summary>The page that asks for the two-digit number.</summary>
    public const string ConfirmPage = "/login/weixin/confirm";

    /// <summary>
    /// Opens the CRM's <c>/login/weixin/done?ticket=</c> and answers its redirect (not followed). When the CRM sends the
    /// browser to the number confirmation instead, <paramref name="openId"/> confirms like a person would
    /// (<see cref="ConfirmNumberAsync"/>) and the answer is a redirect to where the CRM then sends the browser.
    /// </summary>
    public async Task<HttpResponseMessage> OpenDoneAsync(Uri done, string openId)
    {
        var response = await Http.GetAsync(done);
        if (LocationOf(response) != ConfirmPage)
        {
            return response;
        }

        response.Dispose();
        var next = await ConfirmNumberAsync(openId);
        // Note: stands for the page's own script, which goes to this redirect once the status says confirmed.
        return new HttpResponseMessage(HttpStatusCode.Redirect) { Headers = { Location = new Uri(next, UriKind.Relative) } };
    }

    /// <summary>The number the confirmation page shows (<c>#confirm-code</c>), as the server rendered it.</summary>
    public async Task<string> ReadConfirmCodeAsync()
    {
        var page = await OpenAsync(ConfirmPage);
        var match = ConfirmCodePattern().Match(page.Html);
        Assert.True(match.Success, $"no #confirm-code on {page.Url} ({page.Status}): {page.Text}");
        Assert.Contains($"请在微信公众号对话中发送数字 {match.Groups[1].Value} 确认登录", WhitespacePattern().Replace(TagPattern().Replace(page.Text, ""), " "));
        return match.Groups[1].Value;
    }

    /// <summary>
    /// What a person does on the confirmation page: reads the number, sends it from <paramref name="openId"/>'s WeChat as
    /// a safe-mode text message, and waits (as the page's script does, on <c>/login/weixin/status</c>) until the CRM
    /// answers <c>confirmed</c>; returns where it sends the browser.
    /// </summary>
    public async Task<string> ConfirmNumberAsync(string openId)
    {
        var code = await ReadConfirmCodeAsync();
        await system.Login.SendAsUserAsync(openId, "text", code, mode: "aes");
        var status = await WaitForStatusAsync(s => s != "scanned" && s != "waiting" && s != "unavailable");
        Assert.True(status.GetProperty("state").GetString() == "confirmed", "the confirmation ended " + status);
        return status.GetProperty("redirect").GetString()!;
    }

    /// <summary>Long-polls <c>/login/weixin/status?wait=8</c> until its state satisfies <paramref name="done"/> (at most a minute).</summary>
    public async Task<System.Text.Json.JsonElement> WaitForStatusAsync(Func<string?, bool> done)
    {
        var until = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var response = await GetAsync("/login/weixin/status?wait=8");
            var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (done(status.GetProperty("state").GetString()) || DateTime.UtcNow > until)
            {
                return status;
            }
        }
    }

    /// <summary>Where a response redirects to, as a path (CrmApp answers local redirects with relative URLs).</summary>
    public static string? LocationOf(HttpResponseMessage response) => response.Headers.Location?.OriginalString;

    public static string? Token(string html) => TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    public void Dispose() => _browser.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("id=\"confirm-code\"[^>]*data-code=\"([0-9]+)\"")]
    private static partial Regex ConfirmCodePattern();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
