using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Admin.Pages.Items;

/// <summary>
/// <c>/admin/items/{id}</c>: one item's times, its timeline (<see cref="ItemTimeline"/>) and the raw request. Opening it is
/// audited: the page shows the request's content.
/// </summary>
public sealed class DetailsModel(InboxDbContext db, ItemStore items, AdminAudit audit) : PageModel
{
    public long Id { get; private set; }

    /// <summary>Null when there is no such item (any more).</summary>
    public InboxItem? Item { get; private set; }

    public IReadOnlyList<TimelineEntry> Timeline { get; private set; } = [];

    /// <summary>"requeued" right after a re-queue.</summary>
    public string? Notice { get; private set; }

    public async Task OnGetAsync(long id, string? notice)
    {
        Id = id;
        Notice = notice;
        Item = await db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, HttpContext.RequestAborted);
        if (Item is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var events = await items.TimelineAsync(id, HttpContext.RequestAborted);
        Timeline = events.Select(ItemTimeline.Describe).ToList();
        await audit.WriteAsync(HttpContext, AdminAuditActions.ViewItem, id, $"viewed item {id} ({Item.Kind}, {Item.Status}) with its raw request");
    }
}
