using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Weixin.Inbox.WeixinLogin;

namespace Weixin.Inbox.IdentityProvider.Weixin;

/// <summary>
/// The short-lived cookie of the WeChat login (<c>idp_wx_login</c>, path <c>/login/weixin</c>), HttpOnly, SameSite=Lax
/// and data-protected (encrypted and signed): the login id can be neither read nor forged by the browser, and a ticket
/// opened in another browser finds no cookie (as CrmApp's <c>crm_wx_login</c>).
/// </summary>
public sealed class WeixinLoginCookies(IDataProtectionProvider protection) : IPendingLoginCookie
{
    public const string LoginCookie = "idp_wx_login";

    private const string CookiePath = "/login/weixin";

    private readonly ITimeLimitedDataProtector _login = protection.CreateProtector("IdentityProvider.Weixin.Login.v1").ToTimeLimitedDataProtector();

    public void SetLogin(HttpContext http, PendingLogin login, DateTimeOffset expiresAt) =>
        http.Response.Cookies.Append(LoginCookie, _login.Protect(JsonSerializer.Serialize(login), expiresAt), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = CookiePath,
            Expires = expiresAt,
            IsEssential = true,
        });

    public PendingLogin? ReadLogin(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(LoginCookie, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            // Note: Unprotect also checks the embedded expiry, so an old cookie kept by the browser is worthless.
            return JsonSerializer.Deserialize<PendingLogin>(_login.Unprotect(value));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    public void ClearLogin(HttpContext http) =>
        http.Response.Cookies.Delete(LoginCookie, new CookieOptions { Path = CookiePath, HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps });
}
