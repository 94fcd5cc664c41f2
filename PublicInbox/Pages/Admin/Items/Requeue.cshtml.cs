using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin.Pages.Items;

/// <summary>
/// <c>POST /admin/items/{id}/requeue</c>: puts a failed message or event back in the queue (audited), or says why not (409).
/// </summary>
public sealed class RequeueModel(
    InboxDbContext db, AdminAudit audit, IOptions<InboxOptions> inboxOptions, TimeProvider time, InboxSignals signals, ILogger<RequeueModel> logger) : PageModel
{
    public long Id { get; private set; }

    public string Refusal { get; private set; } = "";

    public IActionResult OnGet() => StatusCode(StatusCodes.Status405MethodNotAllowed);

    public async Task<IActionResult> OnPostAsync(long id)
    {
        Id = id;
        var item = await db.Items.AsNoTracking().Where(i => i.Id == id).Select(i => new { i.Kind, i.Status }).SingleOrDefaultAsync(HttpContext.RequestAborted);
        if (item is null)
        {
            return NotFound();
        }

        string? refusal = item.Kind == InboxItemKinds.OAuth
            ? "网页授权登录不能重新排队：微信的授权码只能使用一次，用户的浏览器也早已离开。请让用户重新点「微信登录」。"
            : item.Status != InboxItemStatuses.Failed
                ? $"只有失败的消息/事件可以重新排队；这条记录当前是「{AdminFormat.StatusName(item.Status)}」。"
                : null;
        var admin = AdminAuth.UserName(User) ?? "?";
        if (refusal is null)
        {
            if (await RequeueInStoreAsync(id, admin, HttpContext.RequestAborted))
            {
                await audit.WriteAsync(HttpContext, AdminAuditActions.Requeue, id, "failed → pending");
                logger.LogInformation("Item {ItemId} re-queued by admin {AdminName}", id, admin);
                return Redirect($"/admin/items/{id}?notice=requeued");
            }

            refusal = "这条记录刚刚被别人改变了状态，没有重新排队。请刷新页面查看。";
        }

        await audit.WriteAsync(HttpContext, AdminAuditActions.Requeue, id, $"refused ({item.Kind}, {item.Status})");
        Refusal = refusal;
        var page = Page();
        page.StatusCode = StatusCodes.Status409Conflict;
        return page;
    }

    /// <summary>
    /// failed → pending with a new deadline, and its timeline event; false when the item was not (or no longer) a failed
    /// message or event. Note: the page's only write to inbox_items / inbox_item_events, kept in one place so that it
    /// becomes the item store's <c>RequeueAsync(id, admin, ct)</c> when that lands.
    /// </summary>
    private async Task<bool> RequeueInStoreAsync(long id, string admin, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var deadline = now + inboxOptions.Value.MessageDeadline;
        // Note: conditional on 'failed', so two admins (or two instances) pressing at once re-queue it once.
        // WeChat's request is long gone: a reply produced now goes out through customer service.
        var changed = await db.Items
            .Where(i => i.Id == id && i.Status == InboxItemStatuses.Failed && i.Kind != InboxItemKinds.OAuth)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, InboxItemStatuses.Pending)
                .SetProperty(i => i.LeaseId, (string?)null)
                .SetProperty(i => i.LeaseUntil, (DateTime?)null)
                .SetProperty(i => i.FailedAt, (DateTime?)null)
                .SetProperty(i => i.Deadline, deadline)
                .SetProperty(i => i.WaitState, WaitStates.Gone), cancellationToken);
        if (changed != 1)
        {
            return false;
        }

        db.ItemEvents.Add(new InboxItemEvent { ItemId = id, At = now, Type = InboxEventTypes.Requeued, Actor = "admin:" + admin, Detail = $"re-queued by admin {admin}; new deadline {deadline:O}" });
        await db.SaveChangesAsync(cancellationToken);
        signals.ItemStored();
        return true;
    }
}
