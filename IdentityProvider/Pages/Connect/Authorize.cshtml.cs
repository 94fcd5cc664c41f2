using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Weixin.Inbox.IdentityProvider.Oidc;
using Weixin.Inbox.IdentityProvider.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Pages.Connect;

/// <summary>
/// The authorization endpoint after OpenIddict validated the request (known client, redirect_uri registered exactly,
/// response_type code, PKCE S256 challenge present, scopes allowed). Without the SSO session: to <c>/login</c> (WeChat or
/// 扫码). With it: the consent 「<应用名> 想使用你的微信身份登录」 the first time per user and client (remembered as a
/// permanent authorization), else a code straight away. 「拒绝」 answers <c>access_denied</c> to the client.
/// </summary>
public sealed class AuthorizeModel(
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    ClientRegistry clients,
    SubjectIds subjects,
    TimeProvider time,
    ILogger<AuthorizeModel> logger) : PageModel
{
    public string ClientName { get; private set; } = "";

    /// <summary>The request's parameters, sent back with the decision.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; private set; } = [];

    public Task<IActionResult> OnGetAsync() => HandleAsync(decision: null);

    public Task<IActionResult> OnPostAcceptAsync() => HandleAsync(decision: true);

    public Task<IActionResult> OnPostDenyAsync() => HandleAsync(decision: false);

    private static string WithoutLogin(string prompt) =>
        string.Join(' ', prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(v => v != PromptValues.Login));

    private async Task<IActionResult> HandleAsync(bool? decision)
    {
        var request = HttpContext.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await HttpContext.AuthenticateAsync(SsoSession.Scheme);
        var user = SsoSession.Read(session.Principal);
        // Note: max_age asks for a WeChat login at most that many seconds old; an older SSO session logs in again.
        var tooOld = user is not null && request.MaxAge is { } maxAge && time.GetUtcNow() - user.AuthenticatedAt > TimeSpan.FromSeconds(maxAge);
        if (user is null || tooOld || (request.HasPromptValue(PromptValues.Login) && decision is null))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "需要登录。");
            }

            // Note: back here after the login, without prompt=login (also inside "login consent") and without max_age:
            // the fresh login satisfies both (auth_time in the id_token says when), and kept they would ask again forever
            // (max_age=0, or one shorter than a WeChat login takes, is always too old again).
            var parameters = Request.HasFormContentType ? Request.Form.Where(p => p.Key != "__RequestVerificationToken") : Request.Query;
            var query = QueryString.Create(parameters
                .Where(p => p.Key != Parameters_.MaxAge)
                .Select(p => KeyValuePair.Create(p.Key, (string?)(p.Key == Parameters_.Prompt ? WithoutLogin(p.Value.ToString()) : p.Value.ToString())))
                .Where(p => p.Key != Parameters_.Prompt || p.Value!.Length > 0));
            if ((request.HasPromptValue(PromptValues.Login) || tooOld) && user is not null)
            {
                await HttpContext.SignOutAsync(SsoSession.Scheme);
            }

            return LocalRedirect("/login?returnUrl=" + Uri.EscapeDataString(Request.PathBase + Request.Path + query));
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, HttpContext.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated an unknown client.");
        var applicationId = await applications.GetIdAsync(application, HttpContext.RequestAborted);
        var (subjectType, sector) = await clients.SubjectOfAsync(application, HttpContext.RequestAborted);
        var subject = subjects.For(subjectType, sector, user.OpenId);
        var scopes = request.GetScopes();

        var remembered = new List<object>();
        await foreach (var authorization in authorizations.FindAsync(subject, applicationId!, Statuses.Valid, AuthorizationTypes.Permanent, scopes, HttpContext.RequestAborted))
        {
            remembered.Add(authorization);
        }

        if (decision == false)
        {
            logger.LogInformation("Consent refused for client {ClientId}", request.ClientId);
            return Forbid(Errors.AccessDenied, "用户拒绝了授权。");
        }

        // Note: prompt=consent asks again even when remembered (the client wants the user to see what it gets).
        if ((remembered.Count == 0 || request.HasPromptValue(PromptValues.Consent)) && decision != true)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.ConsentRequired, "需要用户同意。");
            }

            ClientName = await applications.GetLocalizedDisplayNameAsync(application, HttpContext.RequestAborted) ?? request.ClientId!;
            Parameters = (Request.HasFormContentType ? Request.Form.Select(p => KeyValuePair.Create(p.Key, p.Value.ToString())) : Request.Query.Select(p => KeyValuePair.Create(p.Key, p.Value.ToString())))
                .Where(p => p.Key is not "__RequestVerificationToken" and not "handler").ToList();
            return Page();
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
            .SetClaim(Claims.Name, user.Nickname)
            .SetClaim(Claims.Picture, user.Picture)
            .SetClaim(OidcClaims.UnionId, user.UnionId);
        if (user.AuthenticatedAt > DateTimeOffset.MinValue)
        {
            identity.SetClaim(Claims.AuthenticationTime, user.AuthenticatedAt.ToUnixTimeSeconds());
        }

        identity.SetScopes(scopes);
        // Note: the access token's audience is the client itself (its own API validates it); OpenIddict's introspection
        // then refuses another client's question about it (a token without audience would be active for any caller).
        identity.SetResources(request.ClientId!);
        var granted = remembered.LastOrDefault()
            ?? await authorizations.CreateAsync(identity, subject, applicationId!, AuthorizationTypes.Permanent, scopes, HttpContext.RequestAborted);
        identity.SetAuthorizationId(await authorizations.GetIdAsync(granted, HttpContext.RequestAborted));
        identity.SetDestinations(ClaimDestinations.For);
        logger.LogInformation("Code issued to client {ClientId} ({Consent})", request.ClientId, remembered.Count > 0 ? "consent remembered" : "consent given now");
        return SignIn(new ClaimsPrincipal(identity), OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private ForbidResult Forbid(string error, string description) =>
        Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    private static class Parameters_
    {
        public const string Prompt = OpenIddictConstants.Parameters.Prompt;
        public const string MaxAge = OpenIddictConstants.Parameters.MaxAge;
    }
}
