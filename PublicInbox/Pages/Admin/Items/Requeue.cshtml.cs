using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;

namespace Weixin.Inbox.PublicInbox.Admin.Pages.Items;

/// <summary>
/// <c>POST /admin/items/{id}/requeue</c>: puts a failed message or event back in the queue (audited), or says why not (409).
/// </summary>
public sealed class RequeueModel(ItemStore items, AdminAudit audit, ILogger<RequeueModel> logger) : PageModel
{
    public long Id { get; private set; }

    public string Refusal { get; private set; } = "";

    public IActionResult OnGet() => StatusCode(StatusCodes.Status405MethodNotAllowed);

    public async Task<IActionResult> OnPostAsync(long id)
    {
        Id = id;
        var admin = AdminAuth.UserName(User) ?? "?";
        // Note: the store checks and changes the item in one conditional statement, so two admins (or two instances)
        // pressing at once re-queue it once; the page only turns its answer into words.
        var result = await items.RequeueAsync(id, admin, HttpContext.RequestAborted);
        if (result.Outcome == RequeueOutcome.NotFound)
        {
            return NotFound();
        }

        if (result.Outcome == RequeueOutcome.Requeued)
        {
            await audit.WriteAsync(HttpContext, AdminAuditActions.Requeue, id, "failed → pending");
            logger.LogInformation("Item {ItemId} re-queued by admin {AdminName}", id, admin);
            return Redirect($"/admin/items/{id}?notice=requeued");
        }

        Refusal = result.Outcome switch
        {
            RequeueOutcome.IsLogin => "网页授权登录不能重新排队：微信的授权码只能使用一次，用户的浏览器也早已离开。请让用户重新点「微信登录」。",
            RequeueOutcome.NotFailed => $"只有失败的消息/事件可以重新排队；这条记录当前是「{AdminFormat.StatusName(result.Status!)}」。",
            _ => "这条记录刚刚被别人改变了状态，没有重新排队。请刷新页面查看。",
        };
        await audit.WriteAsync(HttpContext, AdminAuditActions.Requeue, id, $"refused ({result.Kind}, {result.Status})");
        var page = Page();
        page.StatusCode = StatusCodes.Status409Conflict;
        return page;
    }
}
