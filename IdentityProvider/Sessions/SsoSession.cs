using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IdentityProvider.Oidc;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Sessions;

/// <summary>The WeChat user of the provider's SSO session.</summary>
public sealed record SsoUser(string OpenId, string Nickname, string? Picture, string? UnionId, DateTimeOffset AuthenticatedAt);

/// <summary>
/// The provider's own single sign-on session: the cookie <c>idp_session</c> (data-protected, HttpOnly, SameSite=Lax,
/// Secure on https, <see cref="OidcOptions.SessionLifetime"/>, not sliding). While it lasts, every client's authorize
/// request is answered without WeChat; end-session clears it. It holds the openid (encrypted), never in a URL.
/// </summary>
public static class SsoSession
{
    public const string Scheme = "idp-session";
    public const string CookieName = "idp_session";

    public static WebApplicationBuilder AddSsoSession(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(Scheme).AddCookie(Scheme, _ => { });
        builder.Services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<OidcOptions>>((o, oidc) =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.IsEssential = true;
            o.ExpireTimeSpan = oidc.Value.SessionLifetime;
            o.SlidingExpiration = false;
            o.LoginPath = "/login";
            o.ReturnUrlParameter = "returnUrl";
        });
        return builder;
    }

    /// <summary>Starts the session for <paramref name="user"/> (a WeChat user the gateway vouched for).</summary>
    public static Task SignInAsync(HttpContext http, WeixinUser user, DateTimeOffset now)
    {
        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(OidcClaims.OpenId, user.OpenId));
        identity.AddClaim(new Claim(Claims.Name, user.Nickname ?? ""));
        if (!string.IsNullOrEmpty(user.HeadImgUrl))
        {
            identity.AddClaim(new Claim(Claims.Picture, user.HeadImgUrl));
        }

        if (!string.IsNullOrEmpty(user.UnionId))
        {
            identity.AddClaim(new Claim(OidcClaims.UnionId, user.UnionId));
        }

        identity.AddClaim(new Claim(Claims.AuthenticationTime, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        return http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true, IssuedUtc = now });
    }

    /// <summary>The session's user, or null.</summary>
    public static SsoUser? Read(ClaimsPrincipal? principal)
    {
        if (principal?.FindFirst(OidcClaims.OpenId)?.Value is not { Length: > 0 } openId)
        {
            return null;
        }

        var authTime = long.TryParse(principal.FindFirst(Claims.AuthenticationTime)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;
        return new SsoUser(openId, principal.FindFirst(Claims.Name)?.Value ?? "", principal.FindFirst(Claims.Picture)?.Value,
            principal.FindFirst(OidcClaims.UnionId)?.Value, authTime);
    }
}
