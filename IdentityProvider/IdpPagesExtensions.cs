using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using Weixin.Inbox.IdentityProvider.Oidc;
using Weixin.Inbox.IdentityProvider.Sessions;

namespace Weixin.Inbox.IdentityProvider;

/// <summary>The web side: Razor Pages (login, confirmation, consent, errors), the SSO session, antiforgery, headers.</summary>
public static class IdpPagesExtensions
{
    public const string AntiforgeryCookie = "idp_af";

    public static WebApplicationBuilder AddIdpPages(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddRazorPages();
        // Note: every POST of a page carries the token (the consent's 同意/拒绝, the scan login's start).
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        builder.AddSsoSession();
        return builder;
    }

    public static WebApplication UseIdpPages(this WebApplication app)
    {
        app.Use(SecurityHeadersAsync);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error");
        }

        app.UseStatusCodePagesWithReExecute("/Error", "?code={0}");
        // Note: after the status code pages (its 503 is shown as the Chinese page), before anything that reads a client.
        app.UseClientSyncGate();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        app.MapOidcEndpoints();
        return app;
    }

    /// <summary><c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>: anonymous, never a client's or a user's business.</summary>
    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    private static Task SecurityHeadersAsync(HttpContext http, RequestDelegate next)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Note: no Referer leaves the site: /login/weixin/done?ticket=… and authorize requests must not reach another host.
        headers["Referrer-Policy"] = "same-origin";
        // Note: form-action allows the consent's POST and the redirect to the client after it (browsers apply
        // form-action to the redirect target too), and response_mode=form_post (the default of Microsoft's OpenID
        // Connect handler): OpenIddict answers a page whose form posts the code to the client's redirect_uri, sent by its
        // one inline script `document.form.submit();`, allowed here by its hash and nothing else inline.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; "
            + "script-src 'self' 'sha256-j7OoGArf6XW6YY4cAyS3riSSvrJRqpSi1fOF9vQ5SrI='; "
            + "form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        return next(http);
    }
}
