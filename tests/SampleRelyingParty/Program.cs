using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.WebEncoders;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

// A sample LAN app that signs people in with WeChat through the intranet's OpenID Connect provider: Microsoft's
// OpenIdConnect handler (authorization code + PKCE) and a cookie, nothing of ours. Settings:
//   Oidc:Authority              the provider's issuer, e.g. http://127.0.0.1:5400/
//   Oidc:ClientId               the client id registered at the provider
//   Oidc:ClientSecret           its secret; empty = a public client (PKCE only)
//   Oidc:RequireHttpsMetadata   true (default); false only for the http demo
//   App:Title                   the page's title
var builder = WebApplication.CreateBuilder(args);

var authority = builder.Configuration["Oidc:Authority"];
var clientId = builder.Configuration["Oidc:ClientId"];
if (string.IsNullOrWhiteSpace(authority) || string.IsNullOrWhiteSpace(clientId))
{
    Console.Error.WriteLine("Oidc:Authority and Oidc:ClientId are required (缺少 Oidc:Authority 或 Oidc:ClientId 设置).");
    return 1;
}

var clientSecret = builder.Configuration["Oidc:ClientSecret"];
var requireHttps = builder.Configuration.GetValue("Oidc:RequireHttpsMetadata", true);

// Note: two copies of this app on one host (the demo's 5500 and 5501) share the browser's cookies for 127.0.0.1 (cookies
// ignore the port) and the same default key ring; a cookie name and a key purpose per client keep one copy from
// reading the other's sign-in, which would hide the provider's SSO behind a local session.
builder.Services.AddDataProtection().SetApplicationName("SampleRelyingParty-" + clientId);

builder.Services.AddRazorPages();
// Note: Razor still HTML-encodes what it writes (<, &, quotes); this only keeps Chinese as text instead of &#x…; entities.
builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
builder.Services.AddHealthChecks();
builder.Services
    .AddAuthentication(options =>
    {
        options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
    })
    .AddCookie(options =>
    {
        options.Cookie.Name = "sample_" + clientId;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
    })
    .AddOpenIdConnect(options =>
    {
        options.Authority = authority;
        options.RequireHttpsMetadata = requireHttps;
        options.ClientId = clientId;
        if (!string.IsNullOrEmpty(clientSecret))
        {
            options.ClientSecret = clientSecret;
        }

        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        // Note: the code comes back in the query of a top-level GET, so the handler's correlation and nonce cookies can
        // be SameSite=Lax and need no Secure flag on the http demo (form_post would need SameSite=None, hence Secure).
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

        options.Scope.Clear();
        options.Scope.Add("openid");
        options.Scope.Add("profile");
        options.GetClaimsFromUserInfoEndpoint = true;
        options.SaveTokens = true;
        // Note: keep the protocol's claim names (sub, name, picture), not the WS-Federation URIs the handler maps to by default.
        options.MapInboundClaims = false;
        options.TokenValidationParameters.NameClaimType = "name";
        options.ClaimActions.MapUniqueJsonKey("picture", "picture");
        options.ClaimActions.MapUniqueJsonKey("unionid", "unionid");

        // 「拒绝」 on the provider's consent page comes back as error=access_denied (RFC 6749 §4.1.2.1).
        options.Events.OnAccessDenied = context =>
        {
            context.Response.Redirect("/login-failed?error=access_denied");
            context.HandleResponse();
            return Task.CompletedTask;
        };
        options.Events.OnRemoteFailure = context =>
        {
            // Note: any other error the provider sends back (its "error" code), a refused code or an expired sign-in
            // are the user's business, not a server error: a Chinese page that says what happened, never a 500.
            var error = context.Failure?.Data["error"] as string;
            context.HttpContext.RequestServices.GetRequiredService<ILogger<Program>>()
                .LogWarning("Sign-in at the provider did not complete: {Error} {Reason}", error ?? "-", context.Failure?.Message);
            context.Response.Redirect("/login-failed?error=" + Uri.EscapeDataString(error ?? "failed"));
            context.HandleResponse();
            return Task.CompletedTask;
        };
    });
builder.Services.AddAuthorization();

var app = builder.Build();

// Note: the provider unreachable at 「微信登录」 (its discovery document cannot be read) throws; the person gets the same
// Chinese page instead of a stack trace.
app.UseExceptionHandler("/error");
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthChecks("/healthz");
app.MapRazorPages();

await app.RunAsync();
return 0;
