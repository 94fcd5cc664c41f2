using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Weixin;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>The signed-in account as the database has it at this request (the cookie's claims may be older).</summary>
public sealed record SignedInAccount(int Id, string UserName, string DisplayName, string Role, string Status)
{
    public bool IsActive => Status == AccountStatuses.Active;

    /// <summary>An active 管理员: sees every customer and has 「用户管理」.</summary>
    public bool IsAdmin => IsActive && Role == AccountRoles.Admin;
}

/// <summary>
/// Reads the signed-in account's role and status from the database, once per request. The cookie carries a role claim
/// too, but the database is the truth: a 管理员 who disables or demotes someone takes effect at that person's next
/// request, whatever their cookie says.
/// </summary>
public sealed class AccountAccess(CrmDbContext db)
{
    private (int Id, SignedInAccount? Account)? _cached;

    /// <summary>The account of <paramref name="user"/>; null when not signed in or when the account no longer exists.</summary>
    public async Task<SignedInAccount?> GetAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true
            || !int.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        if (_cached is { } cached && cached.Id == id)
        {
            return cached.Account;
        }

        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == id)
            .Select(a => new SignedInAccount(a.Id, a.UserName, a.DisplayName, a.Role, a.Status))
            .SingleOrDefaultAsync(cancellationToken);
        _cached = (id, account);
        return account;
    }

    /// <summary>
    /// Takes the row the cookie check (<see cref="AccountSessions.ValidateAsync"/>) has just read for this request, so
    /// a signed-in request costs one read of the account, not two.
    /// </summary>
    public void Remember(SignedInAccount account) => _cached = (account.Id, account);

    /// <summary>The account of a request that passed an <see cref="AccountRequirement"/> (so it exists).</summary>
    public async Task<SignedInAccount> RequireAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await GetAsync(user, cancellationToken) ?? throw new InvalidOperationException("The signed-in account does not exist.");
}

/// <summary>The CRM's authorization policies (Razor Pages conventions name them per folder).</summary>
public static class CrmPolicies
{
    /// <summary>An active account (管理员 or 销售): customers and notifications.</summary>
    public const string ActiveAccount = "active-account";

    /// <summary>An active 管理员: 「用户管理」.</summary>
    public const string Admin = "admin";

    public static IServiceCollection AddCrmAuthorization(this IServiceCollection services)
    {
        services.AddScoped<AccountAccess>();
        services.AddScoped<AccountAdministration>();
        services.AddScoped<IAuthorizationHandler, AccountRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccountAuthorizationResultHandler>();
        services.AddAuthorization(o =>
        {
            // Note: every page behind the login (「我的」, 「等待管理员审核」, 退出) needs an account that still exists and
            // is not disabled; pending accounts get that far and no further.
            o.DefaultPolicy = new AuthorizationPolicyBuilder(CookieAuthenticationDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser().AddRequirements(new AccountRequirement(AllowPending: true, Role: null)).Build();
            o.AddPolicy(ActiveAccount, p => p.RequireAuthenticatedUser().AddRequirements(new AccountRequirement(AllowPending: false, Role: null)));
            // Note: not RequireRole on the cookie's claim: a promotion or demotion must count at the next request.
            o.AddPolicy(Admin, p => p.RequireAuthenticatedUser()
                .AddRequirements(new AccountRequirement(AllowPending: false, Role: AccountRoles.Admin)));
        });
        return services;
    }
}

/// <summary>The signed-in account, read from the database, has this status (and role, when given).</summary>
public sealed record AccountRequirement(bool AllowPending, string? Role) : IAuthorizationRequirement;

/// <summary>Checks an <see cref="AccountRequirement"/> against the database, not the cookie.</summary>
public sealed class AccountRequirementHandler(AccountAccess access) : AuthorizationHandler<AccountRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AccountRequirement requirement)
    {
        var account = await access.GetAsync(context.User, CancellationToken.None);
        var statusOk = account is not null
            && (account.Status == AccountStatuses.Active || (requirement.AllowPending && account.Status == AccountStatuses.Pending));
        if (statusOk && (requirement.Role is null || account!.Role == requirement.Role))
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>
/// What a signed-in user who fails a policy gets: a disabled (or deleted) account is signed out and told so; a pending
/// one goes to 「等待管理员审核」; an active one without the role gets 403 (the Chinese error page), never data.
/// </summary>
public sealed class AccountAuthorizationResultHandler(ILogger<AccountAuthorizationResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    /// <summary>The page a pending account is shown instead of customers.</summary>
    public const string PendingPage = "/pending";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden || context.User.Identity?.IsAuthenticated != true)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var account = await context.RequestServices.GetRequiredService<AccountAccess>().GetAsync(context.User, context.RequestAborted);
        if (account is null || account.Status == AccountStatuses.Disabled)
        {
            logger.LogWarning("Request of account {AccountId} refused: the account is disabled or gone; signed out", account?.Id);
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            context.Response.Redirect("/login?err=" + CrmLoginErrors.AccountDisabled);
            return;
        }

        if (account.Status == AccountStatuses.Pending)
        {
            context.Response.Redirect(PendingPage);
            return;
        }

        logger.LogWarning("Account {AccountId} ({Role}) refused {Method} {Path}: not allowed for its role", account.Id, account.Role, context.Request.Method, context.Request.Path.Value);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
    }
}

/// <summary>Which customers an account may see: a 管理员 all, a 销售 those they own, anyone else none.</summary>
public static class CustomerScope
{
    public static IQueryable<Customer> VisibleTo(this IQueryable<Customer> customers, SignedInAccount account) =>
        account.IsAdmin ? customers
        : account.IsActive ? customers.Where(c => c.OwnerId == account.Id)
        : customers.Where(c => false);
}
