using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Notifications;

namespace Weixin.Inbox.CrmApp.Pages.Notifications;

/// <summary>
/// <c>/notifications</c> 「微信通知」: the messages sent to employees' WeChat, newest first, with their delivery status
/// (unfinished ones asked of the gateway on each view) and 「重新发送」 for failed and dead ones. A 管理员 sees them all,
/// a 销售 those they sent, received or set a reminder for, and those about their own customers.
/// </summary>
public sealed class IndexModel(CrmDbContext db, AccountAccess access, NotificationSender sender, ILogger<IndexModel> logger) : PageModel
{
    public const int PageSize = 50;

    public List<Row> Rows { get; private set; } = [];

    /// <summary>Some statuses could not be refreshed: the gateway was unreachable.</summary>
    public bool GatewayUnavailable { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    [TempData]
    public string? Error { get; set; }

    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var me = await access.RequireAsync(User, cancellationToken);
        var notifications = await Visible(me)
            .Include(n => n.Recipient).Include(n => n.Sender).Include(n => n.Customer)
            .OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Take(PageSize)
            .ToListAsync(cancellationToken);
        GatewayUnavailable = !await sender.RefreshAsync(notifications, cancellationToken);
        Rows = notifications.Select(n => new Row(
            n.Id,
            n.CreatedAt,
            n.Recipient!.DisplayName,
            n.Sender?.DisplayName,
            n.CustomerId,
            n.Customer?.Name,
            NotificationKinds.Describe(n.Kind),
            n.Summary,
            n.Status,
            NotificationStatuses.Describe(n.Status),
            n.Attempts,
            n.LastError,
            n.SentAt,
            n.SentAs == "fallback_template",
            NotificationStatuses.CanResend(n.Status))).ToList();
    }

    /// <summary>「重新发送」.</summary>
    public async Task<IActionResult> OnPostResendAsync(long id)
    {
        var me = await access.RequireAsync(User, HttpContext.RequestAborted);
        var notification = await Visible(me).SingleOrDefaultAsync(n => n.Id == id, HttpContext.RequestAborted);
        if (notification is null)
        {
            Error = "找不到这条通知。";
            return RedirectToPage();
        }

        var (done, message) = await sender.ResendAsync(notification, HttpContext.RequestAborted);
        logger.LogInformation("Account {AccountId} asked to resend notification {NotificationId}: {Done}", CurrentAccount.Id(User), id, done);
        if (done)
        {
            Notice = message;
        }
        else
        {
            Error = message;
        }

        return RedirectToPage();
    }

    private IQueryable<WeixinNotification> Visible(SignedInAccount me) =>
        me.IsAdmin ? db.Notifications : db.Notifications.Where(n => n.RecipientId == me.Id || n.SenderId == me.Id
            || (n.Reminder != null && n.Reminder.CreatedById == me.Id) || (n.Customer != null && n.Customer.OwnerId == me.Id));

    public sealed record Row(
        long Id,
        DateTime CreatedAt,
        string Recipient,
        string? Sender,
        int? CustomerId,
        string? Customer,
        string Kind,
        string Summary,
        string Status,
        string StatusLabel,
        int Attempts,
        string? LastError,
        DateTime? SentAt,
        bool ViaFallback,
        bool CanResend);
}
