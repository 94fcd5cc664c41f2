using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Weixin.Inbox.IdentityProvider.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// The passthrough endpoints OpenIddict hands to us after validating the request: token (code and refresh grants),
/// userinfo and end-session. The authorization endpoint is a page (<c>Pages/Connect/Authorize</c>: it renders the consent).
/// </summary>
public static class OidcEndpoints
{
    public static IEndpointRouteBuilder MapOidcEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connect/token", (Delegate)TokenAsync);
        app.MapMethods("/connect/userinfo", [HttpMethods.Get, HttpMethods.Post], (Delegate)UserInfoAsync);
        app.MapMethods("/connect/endsession", [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync);
        return app;
    }

    /// <summary>
    /// The code or refresh token was validated by OpenIddict (signature, expiry, client, PKCE verifier, redirect_uri, and
    /// — from its token store — not redeemed before and its authorization not revoked); the tokens are issued from its principal.
    /// </summary>
    private static async Task<IResult> TokenAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            return Forbid(Errors.UnsupportedGrantType, "只支持授权码和刷新令牌。");
        }

        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            return Forbid(Errors.InvalidGrant, "授权码或刷新令牌无效。");
        }

        // Note: no accounts to re-check: the identity is the WeChat user, whose consent (the authorization) OpenIddict
        // checked is still valid. The claims and their destinations are those of the sign-in.
        principal.SetDestinations(ClaimDestinations.For);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The claims of the validated access token: <c>sub</c>, and with <c>profile</c> name, picture and unionid.</summary>
    private static async Task<IResult> UserInfoAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            return Results.Challenge(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [Claims.Subject] = principal.GetClaim(Claims.Subject)!,
        };
        if (principal.HasScope(Scopes.Profile))
        {
            foreach (var type in new[] { Claims.Name, Claims.Picture, OidcClaims.UnionId })
            {
                if (principal.GetClaim(type) is { Length: > 0 } value)
                {
                    claims[type] = value;
                }
            }
        }

        return Results.Ok(claims);
    }

    /// <summary>
    /// Ends the provider's SSO session and returns to the client's post_logout_redirect_uri — OpenIddict has checked it is
    /// registered — or to our own 「已退出」 page.
    /// </summary>
    /// <remarks>
    /// Note: a GET may end the session (as the spec allows): the worst a forged link does is sign someone out of the LAN SSO.
    /// </remarks>
    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(SsoSession.Scheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/?signedOut=1" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

/// <summary>Which token each claim goes into.</summary>
public static class ClaimDestinations
{
    public static IEnumerable<string> For(Claim claim) => claim.Type switch
    {
        Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
        // Note: profile claims only when the profile scope was granted (what the consent page names), then in the
        // id_token and the access token (the userinfo endpoint answers them from it); without it in no token at all:
        // the access token is a readable JWT, and unionid and picture are the same for every client.
        Claims.Name or Claims.Picture or OidcClaims.UnionId when claim.Subject?.HasScope(Scopes.Profile) == true
            => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Name or Claims.Picture or OidcClaims.UnionId => [],
        Claims.AuthenticationTime => [Destinations.IdentityToken],
        // Note: everything else (OpenIddict's private claims aside) stays out of the tokens.
        _ => [],
    };
}
