using System.Net;
using Weixin.Inbox.PublicInbox.Tests.Admin;
using static Weixin.Inbox.PublicInbox.Tests.Security.AnnouncedStateTests;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 5 (OAuth part): after <c>Inbox:RefusedCallbackLimit:PermitLimit</c> refused callbacks from one client
/// address (as resolved through <c>Inbox:TrustedProxies</c>) within the window, that address gets 429 with
/// <c>Retry-After</c> and a Chinese page; an announced state still goes through from it, and other addresses are not
/// touched. Real inbox process behind a "proxy" on 127.0.0.1 that forwards the client's address.
/// </summary>
public sealed class RefusedCallbackLimitTests
{
    private const int PermitLimit = 5;

    [Fact]
    public async Task FloodFromOneAddress_Gets429WithRetryAfter_WhileAnAnnouncedStateFromItAndOtherAddressesPass()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-refusal-limit", new Dictionary<string, string?>
        {
            ["Inbox__TrustedProxies__0"] = "127.0.0.1",
            ["Inbox__RefusedCallbackLimit__PermitLimit"] = PermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Inbox__RefusedCallbackLimit__Window"] = "00:05:00",
        });
        const string attacker = "203.0.113.7";

        var refusals = new List<HttpStatusCode>();
        for (var i = 0; i < PermitLimit; i++)
        {
            refusals.Add(await CallbackAsync(inbox, attacker, NewState()));
        }

        using var limited = await SendAsync(inbox, attacker, $"/wx/oauth/callback?code=abc&state={NewState()}");
        var limitedHtml = await limited.Content.ReadAsStringAsync();
        var malformed = await CallbackAsync(inbox, attacker, "bad-state");
        var good = NewState();
        await inbox.AnnounceStateAsync(good);
        var announced = await CallbackAsync(inbox, attacker, good);
        var neighbour = await CallbackAsync(inbox, "203.0.113.8", NewState());

        Assert.All(refusals, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Assert.Contains("请求过于频繁", limitedHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, malformed);
        Assert.Equal(HttpStatusCode.SeeOther, announced);
        Assert.Equal(HttpStatusCode.BadRequest, neighbour);
        Assert.Single(await inbox.QueryAsync("SELECT id FROM inbox_items WHERE oauth_state = @s AND remote_ip = @ip", ("@s", good), ("@ip", attacker)));
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM inbox_items WHERE oauth_state <> @s", ("@s", good)));
    }

    private static async Task<HttpStatusCode> CallbackAsync(AdminInbox inbox, string client, string state)
    {
        using var response = await SendAsync(inbox, client, $"/wx/oauth/callback?code=abc&state={state}");
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendAsync(AdminInbox inbox, string client, string path)
    {
        using var browser = Browser(inbox.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", client);
        return await browser.SendAsync(request);
    }
}
