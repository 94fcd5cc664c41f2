using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.WeixinLogin;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>A WeChat user the gateway confirmed, not yet bound to an account.</summary>
public sealed record PendingIdentity(string OpenId, string Nickname, string? HeadImgUrl, string ReturnUrl);

/// <summary>
/// The two short-lived cookies of the WeChat login, HttpOnly, SameSite=Lax and data-protected (encrypted and signed),
/// so neither the login id nor the confirmed openid can be read or forged by the browser.
/// </summary>
public sealed class WeixinLoginCookies(IDataProtectionProvider protection, IOptions<AccountOptions> accounts, TimeProvider time) : IPendingLoginCookie
{
    /// <summary>Holds the gateway login id between 「微信登录」 and <c>/login/weixin/done</c>.</summary>
    public const string LoginCookie = "crm_wx_login";

    /// <summary>Holds the confirmed WeChat identity between <c>/login/weixin/done</c> and binding.</summary>
    public const string IdentityCookie = "crm_wx_identity";

    private const string CookiePath = "/login/weixin";

    private readonly ITimeLimitedDataProtector _login = protection.CreateProtector("CrmApp.Weixin.Login.v1").ToTimeLimitedDataProtector();
    private readonly ITimeLimitedDataProtector _identity = protection.CreateProtector("CrmApp.Weixin.Identity.v1").ToTimeLimitedDataProtector();

    public void SetLogin(HttpContext http, PendingLogin login, DateTimeOffset expiresAt) =>
        Set(http, LoginCookie, _login.Protect(JsonSerializer.Serialize(login), expiresAt), expiresAt);

    public PendingLogin? ReadLogin(HttpContext http) => Read<PendingLogin>(http, LoginCookie, _login);

    public void ClearLogin(HttpContext http) => Clear(http, LoginCookie);

    public void SetIdentity(HttpContext http, PendingIdentity identity)
    {
        var expiresAt = time.GetUtcNow() + accounts.Value.PendingBindingLifetime;
        Set(http, IdentityCookie, _identity.Protect(JsonSerializer.Serialize(identity), expiresAt), expiresAt);
    }

    public PendingIdentity? ReadIdentity(HttpContext http) => Read<PendingIdentity>(http, IdentityCookie, _identity);

    public void ClearIdentity(HttpContext http) => Clear(http, IdentityCookie);

    private static void Set(HttpContext http, string name, string value, DateTimeOffset expiresAt) =>
        http.Response.Cookies.Append(name, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = CookiePath,
            Expires = expiresAt,
            IsEssential = true,
        });

    private static void Clear(HttpContext http, string name) =>
        http.Response.Cookies.Delete(name, new CookieOptions { Path = CookiePath, HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps });

    private static T? Read<T>(HttpContext http, string name, ITimeLimitedDataProtector protector)
        where T : class
    {
        if (!http.Request.Cookies.TryGetValue(name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            // Note: Unprotect also checks the embedded expiry, so an old cookie kept by the browser is worthless.
            return JsonSerializer.Deserialize<T>(protector.Unprotect(value));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }
}
