using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 6, as an attacker sends it: a correctly signed <c>/wx/callback</c> from an address that is not on
/// WeChat's callback IP list (handed in by the poller) is refused with <c>Inbox:RestrictCallbacksToWeixinIps</c>.
/// Real inbox process, MariaDB; the client's address as resolved through <c>Inbox:TrustedProxies</c>.
/// </summary>
public sealed class CallbackIpRestrictionTests
{
    private static readonly Dictionary<string, string?> Restricted = new() { ["Inbox__RestrictCallbacksToWeixinIps"] = "true" };

    [Fact]
    public async Task BeforeAnyList_CallbacksAreAccepted_AndReadinessSaysWaiting()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-ips-waiting", Restricted);

        using var echo = await VerifyAsync(inbox.BaseAddress);
        var ready = await ReadyAsync(inbox.BaseAddress);

        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal("waiting", ready["weixinCallbackIps"]);
    }

    [Fact]
    public async Task FromAnAddressNotOnTheList_SignedCallbacksAreRefused_AndNothingIsStored()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-ips-refuse", Restricted);
        await PutListAsync(inbox, ["101.226.103.0/25", "203.0.113.7"]);

        using var echo = await VerifyAsync(inbox.BaseAddress);
        var (status, body, nonce) = await PostMessageAsync(inbox.BaseAddress, null);

        Assert.Equal(HttpStatusCode.Forbidden, echo.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("forbidden source address", body);
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM inbox_items WHERE wx_nonce = @n", ("n", nonce)));
        Assert.Equal("ok", (await ReadyAsync(inbox.BaseAddress))["weixinCallbackIps"]);
        Assert.Contains("not on WeChat's callback IP list", await File.ReadAllTextAsync(inbox.Process.LogPath));

        // Note: another spelling of the path routes to the same endpoint and must be refused too.
        using var variant = await VerifyAsync(inbox.BaseAddress, path: "/WX/Callback/");
        Assert.Equal(HttpStatusCode.Forbidden, variant.StatusCode);

        // Note: once the list names this address, the same kind of request passes (this instance forgets its copy at once).
        await PutListAsync(inbox, ["127.0.0.1"]);
        using var allowed = await VerifyAsync(inbox.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task BehindATrustedProxy_TheForwardedClientAddressIsChecked_AgainstCidrEntries()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-ips-proxy", new Dictionary<string, string?>(Restricted) { ["Inbox__TrustedProxies__0"] = "127.0.0.1" });
        await PutListAsync(inbox, ["101.226.103.0/25"]);

        using var fromWeixin = await VerifyAsync(inbox.BaseAddress, forwardedFor: "101.226.103.77");
        using var fromElsewhere = await VerifyAsync(inbox.BaseAddress, forwardedFor: "101.226.103.200");

        Assert.Equal(HttpStatusCode.OK, fromWeixin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fromElsewhere.StatusCode);
    }

    [Fact]
    public async Task OnlyTheSignedPoller_MayHandInAList_AndOnlyAWellFormedOne()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-ips-api", Restricted);

        using var anonymous = new HttpClient { BaseAddress = inbox.BaseAddress };
        using var unsigned = await anonymous.PutAsJsonAsync("/poller/v1/weixin-callback-ips", new CallbackIpsRequest("attacker", ["0.0.0.0/0"]));
        using var empty = await inbox.Poller.PutAsJsonAsync("/poller/v1/weixin-callback-ips", new CallbackIpsRequest("poller-a", []));
        using var malformed = await inbox.Poller.PutAsJsonAsync("/poller/v1/weixin-callback-ips", new CallbackIpsRequest("poller-a", ["not-an-ip"]));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Empty(await inbox.QueryAsync("SELECT id FROM weixin_callback_ips"));
    }

    private static async Task PutListAsync(AdminInbox inbox, IReadOnlyList<string> list)
    {
        using var response = await inbox.Poller.PutAsJsonAsync("/poller/v1/weixin-callback-ips", new CallbackIpsRequest("poller-a", list));
        response.EnsureSuccessStatusCode();
        var answer = (await response.Content.ReadFromJsonAsync<CallbackIpsResponse>())!;
        Assert.Equal(list.Count, answer.Count);
    }

    /// <summary>WeChat's server-URL check (signed GET with echostr): answered at once, no reply wait.</summary>
    private static async Task<HttpResponseMessage> VerifyAsync(Uri inbox, string? forwardedFor = null, string path = "/wx/callback")
    {
        var (timestamp, nonce) = FreshQuery();
        using var http = new HttpClient { BaseAddress = inbox };
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"{path}?signature={WeixinSignature.Compute(AdminInbox.WeixinToken, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}&echostr=hello");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await http.SendAsync(request);
    }

    private static async Task<(HttpStatusCode Status, string Body, string Nonce)> PostMessageAsync(Uri inbox, string? forwardedFor)
    {
        var (timestamp, nonce) = FreshQuery();
        var xml = $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[o_mallory]]></FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[客户 全部]]></Content><MsgId>9001</MsgId></xml>";
        using var http = new HttpClient { BaseAddress = inbox, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"/wx/callback?signature={WeixinSignature.Compute(AdminInbox.WeixinToken, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}&openid=o_mallory")
        {
            Content = new StringContent(xml, Encoding.UTF8, "text/xml"),
        };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), nonce);
    }

    private static async Task<Dictionary<string, string>> ReadyAsync(Uri inbox)
    {
        using var http = new HttpClient { BaseAddress = inbox };
        using var response = await http.GetAsync("/readyz");
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await response.Content.ReadAsStringAsync())!;
        return body.ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    private static (string Timestamp, string Nonce) FreshQuery() =>
        (DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
}
