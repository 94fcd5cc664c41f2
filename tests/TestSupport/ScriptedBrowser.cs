using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Web;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.Testing;

/// <summary>What the waiting page's status endpoint said last.</summary>
public sealed record WaitOutcome(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("redirectUrl")] string? RedirectUrl,
    [property: JsonPropertyName("retryUrl")] string? RetryUrl,
    [property: JsonPropertyName("intranetSilent")] bool IntranetSilent)
{
    public string? Ticket => Query("ticket");
    public string? Error => Query("err");

    private string? Query(string name) =>
        RedirectUrl is null ? null : HttpUtility.ParseQueryString(new Uri(RedirectUrl).Query)[name];
}

/// <summary>One login as a browser lives it, hop by hop.</summary>
public sealed record LoginAttempt(CreateLoginResponse Login, Uri CallbackUrl, long ItemId);

/// <summary>A browser without JavaScript: its own cookies, redirects followed by hand so every hop is checked.</summary>
public sealed class ScriptedBrowser : IDisposable
{
    private readonly LoginSystem _system;

    internal ScriptedBrowser(LoginSystem system, string userAgent)
    {
        _system = system;
        Cookies = new CookieContainer();
        Http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
        // Note: WeChat's authorize page only answers inside WeChat's browser, so by default this is a WeChat phone.
        Http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
    }

    public CookieContainer Cookies { get; }
    public HttpClient Http { get; }

    /// <summary>CRM asks the gateway for a login; the browser goes through the simulator's authorize page and lands on the waiting page.</summary>
    public async Task<LoginAttempt> StartLoginAsync(string openId, bool allow = true, string? returnUrl = null)
    {
        var login = await _system.Gateway.CreateLoginAsync(new CreateLoginRequest(returnUrl ?? _system.ReturnUrl));
        var callback = await AuthorizeAsync(login.AuthorizeUrl, openId, allow);
        var itemId = await OpenCallbackAsync(callback);
        return new LoginAttempt(login, callback, itemId);
    }

    /// <summary>
    /// The simulator's authorize page decides at once (sim_auto; sim_snapshot=1 opens it in 快照页模式); returns where
    /// WeChat sends the browser. A refusal only comes back when the simulator runs with <c>DenyRedirects</c>; otherwise
    /// see <see cref="RefuseAsync"/>.
    /// </summary>
    public async Task<Uri> AuthorizeAsync(string authorizeUrl, string openId, bool allow, bool snapshot = false)
    {
        var url = authorizeUrl.Split('#')[0] + $"&sim_user={Uri.EscapeDataString(openId)}&sim_auto={(allow ? "allow" : "deny")}"
            + (snapshot ? "&sim_snapshot=1" : "");
        using var response = await Http.GetAsync(new Uri(url));
        if (response.StatusCode != HttpStatusCode.Found || response.Headers.Location is null)
        {
            throw new InvalidOperationException($"Authorize answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return response.Headers.Location;
    }

    /// <summary>
    /// Presses 「拒绝」 on WeChat's authorize page as today's WeChat handles it: the user stays on WeChat's page, nothing
    /// is redirected. Returns that page's HTML (and fails if WeChat redirected after all).
    /// </summary>
    public async Task<string> RefuseAsync(string authorizeUrl, string openId)
    {
        var url = authorizeUrl.Split('#')[0] + $"&sim_user={Uri.EscapeDataString(openId)}&sim_auto=deny";
        using var response = await Http.GetAsync(new Uri(url));
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Refusing answered {(int)response.StatusCode} {response.Headers.Location}: {html}");
        }

        return html;
    }

    /// <summary>Opens the inbox callback URL; returns the waiting item's id (after checking the 303 and the page).</summary>
    public async Task<long> OpenCallbackAsync(Uri callbackUrl)
    {
        using var response = await Http.GetAsync(callbackUrl);
        if (response.StatusCode != HttpStatusCode.SeeOther || response.Headers.Location is null)
        {
            throw new InvalidOperationException($"Callback answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var waitPath = response.Headers.Location.OriginalString;
        var id = long.Parse(waitPath["/wx/wait/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        using var page = await Http.GetAsync(new Uri(callbackUrl, waitPath));
        page.EnsureSuccessStatusCode();
        return id;
    }

    public async Task<(HttpStatusCode Status, WaitOutcome? Outcome)> GetStatusAsync(long itemId)
    {
        using var response = await Http.GetAsync(new Uri(_system.Inbox.BaseAddress, $"/wx/wait/{itemId}/status"));
        var outcome = await response.Content.ReadFromJsonAsync<WaitOutcome>();
        return (response.StatusCode, outcome);
    }

    /// <summary>Polls like the waiting page until done, failed or expired.</summary>
    public async Task<WaitOutcome> WaitForResultAsync(long itemId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        WaitOutcome? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var (_, outcome) = await GetStatusAsync(itemId);
            last = outcome;
            if (outcome is { State: "done" or "failed" or "expired" or "forbidden" })
            {
                return outcome;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Item {itemId} still '{last?.State}' ({last?.Message}) after the wait.");
    }

    public void Dispose() => Http.Dispose();
}
