using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Pages.Admin.Users;

/// <summary>
/// <c>/admin/users</c> 「用户管理」 (active 管理员 only, policy on the folder): every account with role, status, WeChat
/// binding and last login; <c>?status=pending</c> shows those waiting for approval.
/// </summary>
public sealed class IndexModel(CrmDbContext db) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    public bool PendingOnly => Status == AccountStatuses.Pending;

    public List<Row> Rows { get; private set; } = [];

    public int PendingCount { get; private set; }

    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var accounts = db.Accounts.AsNoTracking();
        if (PendingOnly)
        {
            accounts = accounts.Where(a => a.Status == AccountStatuses.Pending);
        }

        Rows = await accounts
            .OrderByDescending(a => a.Status == AccountStatuses.Pending).ThenBy(a => a.UserName)
            .Select(a => new Row(a.Id, a.UserName, a.DisplayName, a.Role, a.Status, a.WeixinOpenId != null, a.LastLoginAt, a.CreatedAt))
            .ToListAsync(cancellationToken);
        PendingCount = await db.Accounts.CountAsync(a => a.Status == AccountStatuses.Pending, cancellationToken);
    }

    public sealed record Row(int Id, string UserName, string DisplayName, string Role, string Status, bool WeixinBound, DateTime? LastLoginAt, DateTime CreatedAt);
}
