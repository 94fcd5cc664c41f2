using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Weixin.Inbox.IdentityProvider.Data;
using Weixin.Inbox.IdentityProvider.Keys;
using Weixin.Inbox.ServiceDefaults;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// OpenIddict's core (applications, authorizations, tokens over <see cref="IdpDbContext"/>) and server: authorization
/// code flow with PKCE required, refresh tokens for the clients allowed, discovery, JWKS, token, userinfo, end-session
/// and introspection; keys from <see cref="ServerKeyStore"/>.
/// </summary>
public static class OidcServerExtensions
{
    /// <summary>OpenIddict's core with its EF Core stores (also what the commands need).</summary>
    public static IHostApplicationBuilder AddOidcCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenIddict().AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdpDbContext>());
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.Section);
        builder.Services.AddScoped<ClientRegistry>();
        return builder;
    }

    /// <summary>The server, its keys and their rotation job.</summary>
    public static WebApplicationBuilder AddOidcServer(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetAuthorizationEndpointUris("connect/authorize")
                .SetTokenEndpointUris("connect/token")
                .SetUserInfoEndpointUris("connect/userinfo")
                .SetEndSessionEndpointUris("connect/endsession")
                .SetIntrospectionEndpointUris("connect/introspect")
                .SetConfigurationEndpointUris(".well-known/openid-configuration")
                .SetJsonWebKeySetEndpointUris(".well-known/jwks");
            server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();
            // Note: for every client, confidential ones too (OAuth 2.1): a code intercepted on its way back is worthless
            // without the verifier. Only S256: plain would hand the verifier to whoever sees the authorize URL.
            server.RequireProofKeyForCodeExchange();
            server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess);
            server.RegisterClaims(Claims.Subject, Claims.Name, Claims.Picture, OidcClaims.UnionId);
            // Note: access tokens are plain signed JWTs (not encrypted): the userinfo endpoint validates them itself, and a
            // client's API may validate them against the JWKS; they carry the pairwise sub, name and picture, nothing
            // the client is not shown anyway (never the raw openid, unless the client is configured for it).
            server.DisableAccessTokenEncryption();
            server.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableTokenEndpointPassthrough()
                .EnableUserInfoEndpointPassthrough()
                .EnableEndSessionEndpointPassthrough()
                // Note: an error that cannot go back to the client (unknown client, unregistered redirect_uri) is shown by
                // our Chinese error page (status code pages), never redirected anywhere.
                .EnableStatusCodePagesIntegration();
        });

        builder.Services.AddOptions<OpenIddictServerOptions>().Configure<IOptions<OidcOptions>>((server, oidc) =>
        {
            var settings = oidc.Value;
            if (Uri.TryCreate(settings.Issuer, UriKind.Absolute, out var issuer))
            {
                server.Issuer = issuer;
            }

            server.AuthorizationCodeLifetime = settings.AuthorizationCodeLifetime;
            server.AccessTokenLifetime = settings.AccessTokenLifetime;
            server.IdentityTokenLifetime = settings.IdentityTokenLifetime;
            server.RefreshTokenLifetime = settings.RefreshTokenLifetime;
            server.SubjectTypes.Add(SubjectTypes.Pairwise);
        });
        builder.Services.AddOptions<OpenIddictServerAspNetCoreOptions>().Configure<IOptions<OidcOptions>>((aspNetCore, oidc) =>
        {
            // Note: http only where the settings check allows it (Development, tests); Production requires an https issuer.
            aspNetCore.DisableTransportSecurityRequirement = oidc.Value.Issuer.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        });

        builder.Services.AddSingleton<SubjectIds>();
        builder.Services.AddClientSync();
        builder.Services.AddOptions<ServerKeyOptions>().BindConfiguration(ServerKeyOptions.Section);
        builder.Services.AddSingleton<ServerKeyStore>();
        builder.Services.AddSingleton<ServerKeyCredentials>();
        // Note: registered after AddServer, so its PostConfigure runs after OpenIddict's own (which sorts the credentials).
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<ServerKeyCredentials>());
        builder.Services.AddSingleton<IPostConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<ServerKeyCredentials>());
        builder.Services.AddHostedService<ServerKeyWarmUp>();
        builder.Services.AddIntervalJob<TokenPruneJob, OidcOptions>(TokenPruneJob.Key, o => o.PruneInterval, firstRunDelay: TimeSpan.FromMinutes(1));
        // Note: the first run 5 s after start (was 1 s), past the start-up: the warm-up has loaded (or made) the keys by then,
        // and a run inside the start competed with the client sync for two cores (ready 1.8-2.2 s instead of 1.5-1.7 s).
        builder.Services.AddIntervalJob<ServerKeyJob, ServerKeyOptions>(ServerKeyJob.Key, o => o.CheckInterval, firstRunDelay: TimeSpan.FromSeconds(5));
        return builder;
    }
}

/// <summary>Claim types of our own.</summary>
public static class OidcClaims
{
    /// <summary>The WeChat unionid (when the 公众号 is bound to an open-platform account).</summary>
    public const string UnionId = "unionid";

    /// <summary>The WeChat openid (SSO session cookie only; in tokens only as <c>sub</c> of a client configured for it).</summary>
    public const string OpenId = "openid";
}
