using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.ScanLogin;
using Weixin.Inbox.IntranetPoller.Users;
using Weixin.Inbox.IntranetPoller.Weixin;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.IntranetPoller.Gateway;

/// <summary>
/// The API LAN applications call (<c>/gateway/v1</c>), each HMAC-signed with its own keys
/// (<c>GatewaySigning:Clients:N:Id</c>, <c>GatewaySigning:Clients:N:Keys:0..1</c>) and naming its client id.
/// </summary>
public static class GatewayApi
{
    /// <summary>Name of the signing options that verify LAN applications.</summary>
    public const string SigningName = "GatewaySigning";

    /// <summary>Problem <c>code</c> when the return URL is not allowed.</summary>
    public const string ReturnUrlNotAllowed = "return_url_not_allowed";

    /// <summary>Problem <c>code</c> when the error URL is not allowed.</summary>
    public const string ErrorUrlNotAllowed = "error_url_not_allowed";

    /// <summary>Adds the gateway's signing options (<c>GatewaySigning:Clients</c>).</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSigningClients(SigningName, SigningName);
        builder.Services.AddSingleton<IValidateOptions<SigningClientsOptions>, LegacyKeysCheck>();
        builder.Services.AddProblemDetails();
        builder.Services.AddUserDirectory();
        builder.Services.AddScanLogins();
        // Note: needs the inbox client (AddInboxPolling); only starting a login uses it.
        builder.Services.AddScoped<StateAnnouncer>();
        builder.AddScanLoginRetention();
        return builder;
    }

    /// <summary>Maps <c>/gateway/v1</c>.</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/gateway/v1").RequireSignedClientRequests(SigningName);
        api.MapPost("/logins", CreateLogin);
        api.MapPost("/logins/{loginId}/redeem", Redeem).WithMetadata(new SecretRouteValues("loginId"));
        api.MapGet("/users/{openId}", GetUser);
        api.MapScanLogins();
        api.MapDeviceConfirmations();
        return app;
    }

    /// <summary>
    /// Starts a login: announces a single-use state to the inbox, stores it and answers WeChat's authorize URL; 503
    /// <c>inbox_unavailable</c> when the inbox could not be told (its callback would be refused).
    /// </summary>
    public static async Task<Results<Ok<CreateLoginResponse>, ProblemHttpResult>> CreateLogin(
        CreateLoginRequest request, HttpContext http, StateAnnouncer states, [AsParameters] GatewayServices services, CancellationToken cancellationToken)
    {
        var oauth = services.OAuth.CurrentValue;
        if (!ReturnUrlPolicy.IsAllowed(request.ReturnUrl, oauth.AllowedReturnPrefixes))
        {
            return ReturnUrlRefused();
        }

        var errorUrl = string.IsNullOrEmpty(request.ErrorUrl) ? ReturnUrlPolicy.DefaultErrorUrlFor(request.ReturnUrl) : request.ErrorUrl;
        if (!ReturnUrlPolicy.IsAllowed(errorUrl, oauth.AllowedReturnPrefixes))
        {
            return Problem(StatusCodes.Status400BadRequest, ErrorUrlNotAllowed,
                "errorUrl is not allowed.", "errorUrl (default: the return URL's origin + /login) must be under one of the gateway's allowed return prefixes.");
        }

        var now = services.Time.GetUtcNow();
        var login = new WeixinLogin
        {
            Id = LoginSecrets.NewToken(),
            State = LoginSecrets.NewState(),
            ReturnUrl = request.ReturnUrl,
            ErrorUrl = errorUrl,
            CreatedAt = now,
            ExpiresAt = now + oauth.StateLifetime,
            Status = LoginStatuses.Pending,
            ClientId = SignedRequestClient.Of(http),
        };
        // Note: the inbox learns the state first; a callback with a state it was never told of is refused there.
        if (!await states.AnnounceAsync(login.State, login.ExpiresAt, cancellationToken))
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, LoginErrors.InboxUnavailable, "The inbox could not be reached.");
        }

        services.Db.Logins.Add(login);
        await services.Db.SaveChangesAsync(cancellationToken);

        services.Logger.LogInformation("Login {LoginRef} started for {ReturnUrl}, expires at {ExpiresAt}", LoginSecrets.LogRef(login.Id), login.ReturnUrl, login.ExpiresAt);
        return TypedResults.Ok(new CreateLoginResponse(login.Id, services.AuthorizeUrls.Build(login.State), login.ExpiresAt));
    }

    /// <summary>Redeems the one-time ticket the browser brought back; answers the WeChat user.</summary>
    public static async Task<Results<Ok<RedeemTicketResponse>, ProblemHttpResult>> Redeem(
        string loginId, RedeemTicketRequest request, HttpContext http, [AsParameters] GatewayServices services, CancellationToken cancellationToken)
    {
        var login = loginId.Length > 43 ? null : await services.Db.Logins.AsNoTracking().SingleOrDefaultAsync(l => l.Id == loginId, cancellationToken);
        if (login is null)
        {
            return Problem(StatusCodes.Status404NotFound, LoginErrors.TicketInvalid, "Unknown login.");
        }

        // Note: a login belongs to the LAN application that started it; another application holding a stolen login id
        // and ticket learns nothing, not even that the login exists (the same answer as an unknown login).
        if (!string.Equals(login.ClientId, SignedRequestClient.Of(http), StringComparison.Ordinal))
        {
            services.Logger.LogWarning("Login {LoginRef}: redeem refused (started by client {StartedBy})", LoginSecrets.LogRef(login.Id), login.ClientId);
            return Problem(StatusCodes.Status404NotFound, LoginErrors.TicketInvalid, "Unknown login.");
        }

        // Note: the ticket must belong to *this* login (the id comes from the browser's cookie), so a ticket
        // carried into another browser is refused there.
        if (string.IsNullOrEmpty(request.Ticket) || !LoginSecrets.TicketMatches(request.Ticket, login.TicketHash))
        {
            services.Logger.LogWarning("Login {LoginRef}: ticket refused (no match)", LoginSecrets.LogRef(login.Id));
            return Problem(StatusCodes.Status400BadRequest, LoginErrors.TicketInvalid, "Invalid ticket.");
        }

        if (login.Status == LoginStatuses.Redeemed)
        {
            services.Logger.LogWarning("Login {LoginRef}: ticket refused (already redeemed at {RedeemedAt})", LoginSecrets.LogRef(login.Id), login.RedeemedAt);
            return Problem(StatusCodes.Status400BadRequest, LoginErrors.TicketUsed, "Ticket already used.");
        }

        var now = services.Time.GetUtcNow();
        if (login.Status != LoginStatuses.TicketIssued || login.TicketExpiresAt is null || now > login.TicketExpiresAt)
        {
            services.Logger.LogWarning("Login {LoginRef}: ticket refused (expired at {TicketExpiresAt})", LoginSecrets.LogRef(login.Id), login.TicketExpiresAt);
            return Problem(StatusCodes.Status400BadRequest, LoginErrors.TicketExpired, "Ticket expired.");
        }

        // Note: conditional on the status and on this very hash: of two simultaneous redeems only one wins, and a
        // ticket replaced by a re-delivery in between no longer counts.
        var ticketHash = login.TicketHash;
        var redeemed = await services.Db.Logins
            .Where(l => l.Id == login.Id && l.Status == LoginStatuses.TicketIssued && l.TicketHash == ticketHash)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Status, LoginStatuses.Redeemed)
                .SetProperty(l => l.RedeemedAt, now), cancellationToken);
        if (redeemed == 0)
        {
            services.Logger.LogWarning("Login {LoginRef}: ticket refused (redeemed concurrently)", LoginSecrets.LogRef(login.Id));
            return Problem(StatusCodes.Status400BadRequest, LoginErrors.TicketUsed, "Ticket already used.");
        }

        var user = await services.Users.FindAsync(login.OpenId, cancellationToken);
        if (user is null)
        {
            // Note: cannot happen (user and ticket commit together) unless someone deleted the user row.
            services.Logger.LogError("Login {LoginRef}: WeChat user {OpenId} missing from the directory", LoginSecrets.LogRef(login.Id), login.OpenId);
            return Problem(StatusCodes.Status400BadRequest, LoginErrors.TicketInvalid, "Invalid ticket.");
        }

        services.Logger.LogInformation("Login {LoginRef} redeemed by WeChat user {OpenId}", LoginSecrets.LogRef(login.Id), user.OpenId);
        return TypedResults.Ok(new RedeemTicketResponse(login.Id, user.ToContract()));
    }

    /// <summary>Reads one entry of the WeChat user directory.</summary>
    public static async Task<Results<Ok<WeixinUser>, ProblemHttpResult>> GetUser(
        string openId, [AsParameters] GatewayServices services, CancellationToken cancellationToken)
    {
        var user = await services.Users.FindAsync(openId, cancellationToken);
        return user is null
            ? Problem(StatusCodes.Status404NotFound, "user_unknown", "Unknown WeChat user.")
            : TypedResults.Ok(user.ToContract());
    }

    /// <summary>A problem answer carrying our <c>code</c> member (the detail defaults to the login error's description).</summary>
    internal static ProblemHttpResult Problem(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail ?? LoginErrors.Describe(code),
            Extensions = { ["code"] = code },
        });

    /// <summary>400 <c>return_url_not_allowed</c>: the one answer every endpoint that takes a <c>returnUrl</c> gives.</summary>
    internal static ProblemHttpResult ReturnUrlRefused() =>
        Problem(StatusCodes.Status400BadRequest, ReturnUrlNotAllowed,
            "returnUrl is not allowed.", "returnUrl must be an absolute http(s) URL under one of the gateway's allowed return prefixes.");
}

/// <summary>
/// Refuses the form before per-client keys (<c>GatewaySigning:Keys</c>) at start-up with the names of the new settings:
/// a key shared by every LAN application cannot tell them apart, so it is not silently turned into a client.
/// </summary>
internal sealed class LegacyKeysCheck(IConfiguration configuration) : IValidateOptions<SigningClientsOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningClientsOptions options) =>
        name == GatewayApi.SigningName && configuration.GetSection(GatewayApi.SigningName + ":Keys").GetChildren().Any()
            ? ValidateOptionsResult.Fail(
                "GatewaySigning:Keys: 已不再读取，每个局域网应用有自己的 id 和密钥：改设 GatewaySigning:Clients:0:Id 和 GatewaySigning:Clients:0:Keys:0 / " +
                "GatewaySigning:Keys is no longer read: every LAN application has its own client id and keys. Set GatewaySigning:Clients:0:Id=crm " +
                "and GatewaySigning:Clients:0:Keys:0=<the CRM's Gateway:ClientKey> (Keys:1 during a rotation), one Clients:N entry per application, " +
                "give the CRM's message hook its own key (CrmHook:SigningKeys:0 here, Gateway:HookKeys:0 in the CRM), then remove GatewaySigning:Keys.")
            : ValidateOptionsResult.Success;
}

/// <summary>What the gateway handlers need, bundled.</summary>
public sealed class GatewayServices(
    GatewayDbContext db,
    WeixinUserDirectory users,
    IOptionsMonitor<OAuthOptions> oauth,
    AuthorizeUrlBuilder authorizeUrls,
    TimeProvider time,
    ILoggerFactory loggers)
{
    /// <summary>The gateway database.</summary>
    public GatewayDbContext Db { get; } = db;

    /// <summary>The WeChat user directory.</summary>
    public WeixinUserDirectory Users { get; } = users;

    /// <summary>Login settings.</summary>
    public IOptionsMonitor<OAuthOptions> OAuth { get; } = oauth;

    /// <summary>Builds WeChat's authorize URL.</summary>
    public AuthorizeUrlBuilder AuthorizeUrls { get; } = authorizeUrls;

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Creates loggers.</summary>
    public ILoggerFactory Loggers { get; } = loggers;

    /// <summary>Log of the gateway API (category <see cref="GatewayApi"/>).</summary>
    public ILogger Logger => Loggers.CreateLogger(typeof(GatewayApi));
}
