using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests;

/// <summary>One authorization request of a client: its state, nonce and PKCE verifier.</summary>
public sealed record AuthorizeRequest(IdpClient Client, string State, string Nonce, string Verifier)
{
    /// <summary>The S256 challenge of <see cref="Verifier"/>.</summary>
    public string Challenge => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

    public static AuthorizeRequest For(IdpClient client) =>
        new(client, Random(16), Random(16), Random(32));

    public static string Random(int bytes) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>What the client's redirect URI received.</summary>
public sealed record ClientCallback(Uri Location)
{
    public string? Code => Query("code");
    public string? Error => Query("error");
    public string? State => Query("state");
    public string? Issuer => Query("iss");

    private string? Query(string name) => HttpUtility.ParseQueryString(Location.Query)[name];
}

/// <summary>The token endpoint's answer.</summary>
public sealed record TokenAnswer(HttpStatusCode Status, JsonElement Body)
{
    public string? RefreshToken => Body.TryGetProperty("refresh_token", out var r) ? r.GetString() : null;
    public string? Error => Body.TryGetProperty("error", out var e) ? e.GetString() : null;
    public string AccessToken => Body.GetProperty("access_token").GetString()!;
    public string IdToken => Body.GetProperty("id_token").GetString()!;
}

/// <summary>
/// A browser without JavaScript (its own cookies; redirects followed by hand so every hop is checked) that logs in to
/// the provider the way a person in WeChat's browser does: authorize → /login → the gateway's WeChat OAuth (simulator
/// authorize, inbox waiting page, ticket) → the number confirmation on a new device (the number sent as a safe-mode
/// message from the same WeChat user) → back to authorize → consent → the client's redirect URI with a code.
/// </summary>
public sealed partial class OidcBrowser : IDisposable
{
    private readonly IdpSystem _system;
    private readonly ScriptedBrowser _browser;

    public OidcBrowser(IdpSystem system, string userAgent = UserAgents.WeixinPhone)
    {
        _system = system;
        _browser = system.Login.NewBrowser(userAgent);
    }

    public HttpClient Http => _browser.Http;

    /// <summary>How many numbers this browser had to confirm (new-device confirmations).</summary>
    public int NumbersConfirmed { get; private set; }

    /// <summary>The authorize URL of <paramref name="request"/>, with <paramref name="change"/> applied (a null value drops a parameter).</summary>
    public Uri AuthorizeUrl(AuthorizeRequest request, params (string Name, string? Value)[] change)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = request.Client.Id,
            ["redirect_uri"] = request.Client.RedirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile",
            ["state"] = request.State,
            ["nonce"] = request.Nonce,
            ["code_challenge"] = request.Challenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (name, value) in change)
        {
            parameters[name] = value;
        }

        var query = string.Join("&", parameters.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
        return new Uri(_system.BaseAddress, "/connect/authorize?" + query);
    }

    public Task<HttpResponseMessage> GetAsync(Uri url) => Http.GetAsync(url);

    /// <summary>
    /// Opens the authorize URL; when the provider wants a login, goes through WeChat as <paramref name="openId"/>
    /// (confirming the number when asked) and back. Answers the provider's last answer: the consent page (200) or the
    /// redirect to the client (302).
    /// </summary>
    public async Task<HttpResponseMessage> AuthorizeAsync(Uri authorizeUrl, string openId)
    {
        var response = await Http.GetAsync(authorizeUrl);
        if (!IsRedirectTo(response, "/login"))
        {
            return response;
        }

        var weixinAuthorize = await FollowToWeixinAsync(Next(authorizeUrl, response));
        response.Dispose();
        var callback = await _browser.AuthorizeAsync(weixinAuthorize.ToString(), openId, allow: true);
        var next = await ReturnFromWeixinAsync(callback);
        if (next.AbsolutePath == "/login/weixin/confirm")
        {
            next = await ConfirmNumberAsync(next, openId);
        }

        Assert.Equal("/connect/authorize", next.AbsolutePath);
        return await Http.GetAsync(next);
    }

    /// <summary>From the provider's /login on: /login/weixin (WeChat's browser) → answers WeChat's (the simulator's) authorize URL.</summary>
    public async Task<Uri> FollowToWeixinAsync(Uri url)
    {
        while (url.Port == _system.BaseAddress.Port)
        {
            using var response = await Http.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.Found, $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            url = Next(url, response);
        }

        return url;
    }

    /// <summary>
    /// WeChat sent this browser to the inbox's callback: waits on the inbox's page, opens the provider's
    /// /login/weixin/done?ticket= and answers where the provider sends the browser next (the number confirmation, or authorize).
    /// </summary>
    public async Task<Uri> ReturnFromWeixinAsync(Uri callback)
    {
        var itemId = await _browser.OpenCallbackAsync(callback);
        var outcome = await _browser.WaitForResultAsync(itemId);
        Assert.True(outcome.State == "done" && outcome.RedirectUrl is not null, $"the waiting page ended {outcome.State}: {outcome.Message}");
        var done = new Uri(outcome.RedirectUrl!);
        Assert.Equal(_system.BaseAddress.Port, done.Port);
        using var doneResponse = await Http.GetAsync(done);
        Assert.Equal(HttpStatusCode.Found, doneResponse.StatusCode);
        return Next(done, doneResponse);
    }

    /// <summary>
    /// A phone login started at the provider's own <c>/login?returnUrl=</c> (as a link could start it), through WeChat and
    /// the number: answers where the provider sends the browser afterwards, resolved as a browser resolves it.
    /// </summary>
    public async Task<Uri> PhoneLoginAsync(string returnUrl, string openId)
    {
        var weixinAuthorize = await FollowToWeixinAsync(new Uri(_system.BaseAddress, "/login?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        var callback = await _browser.AuthorizeAsync(weixinAuthorize.ToString(), openId, allow: true);
        var next = await ReturnFromWeixinAsync(callback);
        return next.AbsolutePath == "/login/weixin/confirm" ? await ConfirmNumberAsync(next, openId) : next;
    }

    /// <summary>WeChat's authorize page, 「同意」 as <paramref name="openId"/>: answers the inbox callback URL (code and state).</summary>
    public Task<Uri> AllowAtWeixinAsync(Uri weixinAuthorize, string openId) => _browser.AuthorizeAsync(weixinAuthorize.ToString(), openId, allow: true);

    /// <summary>
    /// The desktop's login (a browser outside WeChat): authorize → /login with the 扫码登录 QR code (started as the page's
    /// script does, with the page's antiforgery token); <paramref name="openId"/> scans it with the simulator's 「扫一扫」
    /// and sends the number the desktop then shows; back to authorize. Answers the provider's last answer there.
    /// </summary>
    public async Task<HttpResponseMessage> DesktopAuthorizeAsync(Uri authorizeUrl, string openId)
    {
        using var authorize = await Http.GetAsync(authorizeUrl);
        Assert.True(IsRedirectTo(authorize, "/login"), $"authorize answered {(int)authorize.StatusCode} {authorize.Headers.Location}");
        var loginUrl = Next(authorizeUrl, authorize);
        using var loginPage = await Http.GetAsync(loginUrl);
        Assert.Equal(HttpStatusCode.OK, loginPage.StatusCode);
        var html = await loginPage.Content.ReadAsStringAsync();
        Assert.Contains("请用微信扫一扫", html);
        var token = Inputs().Matches(html).Select(m => m.Value).Where(t => Attribute(t, "name") == "__RequestVerificationToken").Select(t => Attribute(t, "value")).Single();
        var returnUrl = HttpUtility.ParseQueryString(loginUrl.Query)["returnUrl"]!;

        using var start = new HttpRequestMessage(HttpMethod.Post, new Uri(_system.BaseAddress, "/login/weixin/scan?handler=Start"))
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("returnUrl", returnUrl)]),
        };
        start.Headers.Add("RequestVerificationToken", token);
        using var started = await Http.SendAsync(start);
        var qr = await started.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(qr.GetProperty("state").GetString() == "waiting", qr.ToString());
        Assert.StartsWith("data:image/png;base64,", qr.GetProperty("qr").GetString(), StringComparison.Ordinal);

        // The phone: 「扫一扫」 on the code's content (Development shows it), then the number in the chat.
        using (var simulator = new HttpClient { BaseAddress = _system.Login.Simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) })
        using (var scanned = await simulator.PostAsJsonAsync($"/sim/users/{Uri.EscapeDataString(openId)}/scan", new { url = qr.GetProperty("demoContent").GetString(), mode = "aes" }))
        {
            Assert.True(scanned.IsSuccessStatusCode, await scanned.Content.ReadAsStringAsync());
        }

        var next = await FollowConfirmationAsync(openId, numberFromStatus: true);
        Assert.Equal("/connect/authorize", next.AbsolutePath);
        return await Http.GetAsync(next);
    }

    /// <summary>Presses 「同意」 (or 「拒绝」) on the consent page; answers where the provider sends the browser.</summary>
    public async Task<ClientCallback> DecideAsync(HttpResponseMessage consentPage, bool accept)
    {
        Assert.Equal(HttpStatusCode.OK, consentPage.StatusCode);
        var html = await consentPage.Content.ReadAsStringAsync();
        Assert.Contains("想使用你的微信身份登录", html);
        var fields = Inputs().Matches(html)
            .Select(m => (Name: Attribute(m.Value, "name"), Value: Attribute(m.Value, "value")))
            .Where(f => f.Name is not null)
            .Select(f => KeyValuePair.Create(f.Name!, f.Value ?? ""));
        using var form = new FormUrlEncodedContent(fields);
        using var response = await Http.PostAsync(new Uri(_system.BaseAddress, "/connect/authorize?handler=" + (accept ? "accept" : "deny")), form);
        return ToClient(response);
    }

    /// <summary>The whole login of a client: authorize (with WeChat when needed), consent when asked; answers the client's callback.</summary>
    public async Task<ClientCallback> LoginAsync(AuthorizeRequest request, string openId, string scope = "openid profile")
    {
        using var response = await AuthorizeAsync(AuthorizeUrl(request, ("scope", scope)), openId);
        return response.StatusCode == HttpStatusCode.OK ? await DecideAsync(response, accept: true) : ToClient(response);
    }

    /// <summary>The provider's redirect to the client, as the client receives it.</summary>
    public ClientCallback ToClient(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Found && response.Headers.Location is not null,
            $"expected a redirect to the client, got {(int)response.StatusCode} {response.Headers.Location}");
        return new ClientCallback(response.Headers.Location!);
    }

    /// <summary>Redeems a code at the token endpoint as the client's back end does.</summary>
    public async Task<TokenAnswer> RedeemAsync(IdpClient client, string code, string? verifier, string? redirectUri = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri ?? client.RedirectUri,
            ["client_id"] = client.Id,
        };
        if (verifier is not null)
        {
            form["code_verifier"] = verifier;
        }

        if (client.Secret is not null)
        {
            form["client_secret"] = client.Secret;
        }

        return await PostAsync("/connect/token", form);
    }

    /// <summary>Uses a refresh token at the token endpoint.</summary>
    public async Task<TokenAnswer> RefreshAsync(IdpClient client, string refreshToken) =>
        await PostAsync("/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = client.Id,
            ["client_secret"] = client.Secret!,
        });

    /// <summary>The userinfo endpoint with a bearer token.</summary>
    public async Task<(HttpStatusCode Status, JsonElement? Body)> UserInfoAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_system.BaseAddress, "/connect/userinfo"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null);
    }

    /// <summary>Asks the introspection endpoint about a token, as <paramref name="client"/>.</summary>
    public async Task<TokenAnswer> IntrospectAsync(IdpClient client, string token) =>
        await PostAsync("/connect/introspect", new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_id"] = client.Id,
            ["client_secret"] = client.Secret!,
        });

    public void Dispose() => _browser.Dispose();

    /// <summary>The claims of a JWT's payload (no check: see <see cref="Jwt"/>).</summary>
    public static JsonElement Payload(string jwt) => JsonDocument.Parse(Jwt.Decode(jwt.Split('.')[1])).RootElement;

    private async Task<TokenAnswer> PostAsync(string path, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await Http.PostAsync(new Uri(_system.BaseAddress, path), content);
        var text = await response.Content.ReadAsStringAsync();
        return new TokenAnswer(response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    private async Task<Uri> ConfirmNumberAsync(Uri confirmUrl, string openId)
    {
        using (var page = await Http.GetAsync(confirmUrl))
        {
            var html = await page.Content.ReadAsStringAsync();
            var match = Number().Match(html);
            Assert.True(match.Success, "the confirmation page shows no number: " + html);
            // Note: what the person does: send the number in the 公众号 chat, safe mode, from their own WeChat.
            await _system.Login.SendAsUserAsync(openId, "text", match.Groups[1].Value, mode: "aes");
            NumbersConfirmed++;
        }

        return await FollowConfirmationAsync(openId, numberFromStatus: false);
    }

    /// <summary>Long-polls /login/weixin/status as the pages' scripts do until confirmed; sends the number when the desktop shows it.</summary>
    private async Task<Uri> FollowConfirmationAsync(string openId, bool numberFromStatus)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var status = await Http.GetAsync(new Uri(_system.BaseAddress, "/login/weixin/status?wait=8"));
            var body = await status.Content.ReadFromJsonAsync<JsonElement>();
            var state = body.GetProperty("state").GetString();
            if (state == "confirmed")
            {
                return new Uri(_system.BaseAddress, body.GetProperty("redirect").GetString()!);
            }

            if (numberFromStatus && state == "scanned" && body.GetProperty("confirmCode").GetString() is { Length: 2 } code)
            {
                await _system.Login.SendAsUserAsync(openId, "text", code, mode: "aes");
                NumbersConfirmed++;
                numberFromStatus = false;
            }

            Assert.True(state is "scanned" or "waiting" or "unavailable", "the confirmation ended " + body);
        }

        throw new TimeoutException("the number confirmation did not finish within 30 s");
    }

    private static bool IsRedirectTo(HttpResponseMessage response, string path) =>
        response.StatusCode == HttpStatusCode.Found && response.Headers.Location is { } location
        && (location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0]) == path;

    private static Uri Next(Uri current, HttpResponseMessage response) =>
        new(current, response.Headers.Location ?? throw new InvalidOperationException($"{current} answered {(int)response.StatusCode} without Location"));

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $"\\s{name}=\"([^\"]*)\"");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    [GeneratedRegex("<input[^>]*>")]
    private static partial Regex Inputs();

    [GeneratedRegex("请在微信公众号对话中发送数字 <strong>([0-9]{2})</strong> 确认登录")]
    private static partial Regex Number();
}

/// <summary>Reads and checks RS256 JWTs against the provider's JWKS, as a relying party does.</summary>
public static class Jwt
{
    public static byte[] Decode(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    /// <summary>The <c>kid</c> in the JWT's header.</summary>
    public static string KeyId(string jwt) => JsonDocument.Parse(Decode(jwt.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;

    /// <summary>True when the JWT is RS256-signed by the JWKS key its <c>kid</c> names.</summary>
    public static bool VerifiesWith(string jwt, JsonElement jwks)
    {
        var parts = jwt.Split('.');
        var kid = KeyId(jwt);
        foreach (var key in jwks.GetProperty("keys").EnumerateArray())
        {
            if (key.GetProperty("kid").GetString() != kid)
            {
                continue;
            }

            using var rsa = RSA.Create(new RSAParameters
            {
                Modulus = Decode(key.GetProperty("n").GetString()!),
                Exponent = Decode(key.GetProperty("e").GetString()!),
            });
            return rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        return false;
    }
}
