using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>Signs an account in (cookie) and records the time; re-issues the cookie after the account's security stamp changed.</summary>
public sealed class AccountSignIn(CrmDbContext db, TimeProvider time, ILogger<AccountSignIn> logger)
{
    public const string DisplayNameClaim = "display_name";

    /// <summary>Signs in and answers a redirect to <paramref name="returnUrl"/> (already checked to be local).</summary>
    public async Task SignInAsync(HttpContext http, Account account, string method, string returnUrl)
    {
        // Note: every caller refuses a disabled account first, with its own message; this is the last line.
        if (account.Status == AccountStatuses.Disabled)
        {
            throw new InvalidOperationException($"Account {account.Id} is disabled and cannot sign in.");
        }

        account.LastLoginAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(http.RequestAborted);

        // Note: RedirectUri set, so the cookie handler (signing in on its LoginPath) never redirects to a raw ?returnUrl= itself.
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(account, method), new AuthenticationProperties { RedirectUri = returnUrl });
        logger.LogInformation("Account {AccountId} signed in with {Method}", account.Id, method);
    }

    /// <summary>
    /// Re-issues the current browser's cookie with <paramref name="account"/>'s renewed security stamp (call after
    /// saving it): the change ends the account's other sessions, while the browser that made it stays signed in.
    /// </summary>
    public async Task KeepThisSessionAsync(HttpContext http, Account account)
    {
        var method = http.User.FindFirstValue(ClaimTypes.AuthenticationMethod) ?? "password";
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(account, method), new AuthenticationProperties());
        logger.LogInformation("Account {AccountId} renewed its security stamp; this session continues, the others end at their next request", account.Id);
    }

    private static ClaimsPrincipal Principal(Account account, string method) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new Claim(ClaimTypes.Name, account.UserName),
        new Claim(DisplayNameClaim, account.DisplayName),
        new Claim(ClaimTypes.AuthenticationMethod, method),
        // Note: informational; pages and policies read the role and status from the database (AccountAccess).
        new Claim(ClaimTypes.Role, account.Role),
        // Note: compared with the account's current stamp on every request (AccountSessions.ValidateAsync).
        new Claim(AccountSessions.SecurityStampClaim, account.SecurityStamp),
    ], CookieAuthenticationDefaults.AuthenticationScheme));
}

/// <summary>Reads the signed-in account from the cookie's claims.</summary>
public static class CurrentAccount
{
    public static int Id(ClaimsPrincipal user) =>
        int.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in."), System.Globalization.CultureInfo.InvariantCulture);

    public static string DisplayName(ClaimsPrincipal user) => user.FindFirstValue(AccountSignIn.DisplayNameClaim) ?? user.Identity?.Name ?? "";
}
