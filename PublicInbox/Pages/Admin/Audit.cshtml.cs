using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin.Pages;

/// <summary><c>/admin/audit</c>: the audit log, newest first, keyset-paged, filterable by action and actor.</summary>
public sealed class AuditModel(InboxDbContext db, IOptions<AdminOptions> options) : PageModel
{
    public string? Action { get; private set; }

    public string? Actor { get; private set; }

    public IReadOnlyList<AdminAuditEntry> Rows { get; private set; } = [];

    /// <summary>Set when there are older rows: the link to them.</summary>
    public string? Older { get; private set; }

    public async Task OnGetAsync(string? action, string? actor, long? before)
    {
        Action = action is not null && AdminAuditActions.All.Contains(action) ? action : null;
        Actor = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim();
        var query = db.AdminAudit.AsNoTracking();
        if (Action is not null)
        {
            query = query.Where(a => a.Action == Action);
        }

        if (Actor is not null)
        {
            query = query.Where(a => a.Actor == Actor);
        }

        if (before is { } b)
        {
            query = query.Where(a => a.Id < b);
        }

        var pageSize = options.Value.PageSize;
        var rows = await query.OrderByDescending(a => a.Id).Take(pageSize + 1).ToListAsync(HttpContext.RequestAborted);
        Rows = rows.Take(pageSize).ToList();
        if (rows.Count > pageSize)
        {
            Older = $"/admin/audit?before={Rows[^1].Id}"
                + (Action is null ? "" : "&action=" + Uri.EscapeDataString(Action)) + (Actor is null ? "" : "&actor=" + Uri.EscapeDataString(Actor));
        }
    }
}
