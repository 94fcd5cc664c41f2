using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>
/// Ends sessions that should no longer exist: every request with a sign-in cookie compares the cookie's security stamp
/// with the account's current one (<see cref="Account.SecurityStamp"/>) and its status. A renewed stamp (unbind,
/// password change, and 「用户管理」's disable, role change, password reset and unbind), a disabled or a deleted
/// account signs the cookie out at its next request, on whichever instance receives it.
/// </summary>
public static class AccountSessions
{
    /// <summary>The cookie claim carrying the account's security stamp at sign-in.</summary>
    public const string SecurityStampClaim = "security_stamp";

    /// <summary>The cookie handler's <c>OnValidatePrincipal</c>.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var principal = context.Principal;
        var id = int.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)null;
        var stamp = principal?.FindFirstValue(SecurityStampClaim);

        // Note: read on every request, never cached in the process: a stamp renewed through one instance must end the
        // session on every other at its very next request, and the read is one primary-key lookup of a few short columns, shared with the role and status checks.
        var db = http.RequestServices.GetRequiredService<CrmDbContext>();
        var current = id is null ? null : await db.Accounts.AsNoTracking()
            .Where(a => a.Id == id)
            .Select(a => new { a.SecurityStamp, a.Status, Account = new SignedInAccount(a.Id, a.UserName, a.DisplayName, a.Role, a.Status) })
            .SingleOrDefaultAsync(http.RequestAborted);

        var reason = id is null ? "the cookie names no account"
            // Note: cookies issued before stamps existed carry none; they end once (one sign-in after the upgrade).
            : stamp is null ? "the cookie carries no security stamp"
            : current is null ? "the account no longer exists"
            : current.Status == AccountStatuses.Disabled ? "the account is disabled"
            : !string.Equals(current.SecurityStamp, stamp, StringComparison.Ordinal) ? "the account's security stamp changed"
            : null;
        if (reason is null)
        {
            // Note: the same row answers the role and status checks of this request (AccountAccess).
            http.RequestServices.GetRequiredService<AccountAccess>().Remember(current!.Account);
            return;
        }

        context.RejectPrincipal();
        await http.SignOutAsync(context.Scheme.Name);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccountSessions))
            .LogInformation("Session of account {AccountId} ended: {Reason}", id, reason);
    }
}
