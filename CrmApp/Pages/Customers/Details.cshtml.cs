using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Notifications;
using Weixin.Inbox.CrmApp.Weixin;

namespace Weixin.Inbox.CrmApp.Pages.Customers;

/// <summary>
/// <c>/customers/{id}</c>: one customer with its follow-up notes, follow-up reminders (sent to the assignee's WeChat
/// when due) and 「发送微信通知」; a form for each.
/// </summary>
public sealed class DetailsModel(
    CrmDbContext db,
    NotificationSender notifications,
    IOptions<NotificationOptions> notificationOptions,
    IOptions<GatewayOptions> gatewayOptions,
    TimeProvider time,
    ILogger<DetailsModel> logger) : PageModel
{
    private const int MaxReminders = 20;

    public Card Customer { get; private set; } = null!;

    /// <summary>The customer's reminders, latest due first, with their state.</summary>
    public List<ReminderRow> Reminders { get; private set; } = [];

    /// <summary>Everyone a reminder can be for (the current user first).</summary>
    public List<Employee> Employees { get; private set; } = [];

    /// <summary>Shown after a refresh that could not reach the gateway.</summary>
    public bool GatewayUnavailable { get; private set; }

    [BindProperty]
    public NoteCommand Note { get; set; } = new();

    [BindProperty]
    public ReminderCommand Reminder { get; set; } = new();

    [BindProperty]
    public NotifyCommand Notify { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    [TempData]
    public string? NotifyError { get; set; }

    public async Task<IActionResult> OnGetAsync(int id)
    {
        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        SuggestReminder();
        Notify.SubmissionId = NotificationMessages.NewSubmissionId();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int id)
    {
        KeepErrorsOf(nameof(Note));
        if (!await db.Customers.AnyAsync(c => c.Id == id, HttpContext.RequestAborted))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return await RedisplayAsync(id);
        }

        var note = new FollowUpNote
        {
            CustomerId = id,
            AuthorId = CurrentAccount.Id(User),
            Content = Note.Content!.Trim(),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Notes.Add(note);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        logger.LogInformation("Note {NoteId} added to customer {CustomerId} by account {AccountId}", note.Id, id, note.AuthorId);
        return Redirect($"/customers/{id}#notes");
    }

    /// <summary>「添加提醒」.</summary>
    public async Task<IActionResult> OnPostReminderAsync(int id)
    {
        KeepErrorsOf(nameof(Reminder));
        if (!await db.Customers.AnyAsync(c => c.Id == id, HttpContext.RequestAborted))
        {
            return NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var dueAt = CrmTime.ParseInput(Reminder.DueAt);
        if (!string.IsNullOrWhiteSpace(Reminder.DueAt))
        {
            if (dueAt is null)
            {
                ModelState.AddModelError($"{nameof(Reminder)}.{nameof(Reminder.DueAt)}", "提醒时间格式不正确，请重新选择。");
            }
            // Note: a minute of slack: the input has minute precision, so "now" is already slightly in the past.
            else if (dueAt < now.AddMinutes(-1))
            {
                ModelState.AddModelError($"{nameof(Reminder)}.{nameof(Reminder.DueAt)}", "提醒时间已经过去，请选择现在以后的时间。");
            }
            else if (dueAt > now.AddYears(1))
            {
                ModelState.AddModelError($"{nameof(Reminder)}.{nameof(Reminder.DueAt)}", "提醒时间最多设在一年以内。");
            }
        }

        if (Reminder.AssigneeId is { } assigneeId && !await db.Accounts.AnyAsync(a => a.Id == assigneeId, HttpContext.RequestAborted))
        {
            ModelState.AddModelError($"{nameof(Reminder)}.{nameof(Reminder.AssigneeId)}", "所选负责人不存在，请重新选择。");
        }

        if (!ModelState.IsValid)
        {
            return await RedisplayAsync(id);
        }

        var note = Reminder.Note!.Trim();
        var creatorId = CurrentAccount.Id(User);
        var recent = now.AddMinutes(-2);
        if (await db.Reminders.AnyAsync(r => r.CustomerId == id && r.AssigneeId == Reminder.AssigneeId && r.DueAt == dueAt && r.Note == note
                && r.CreatedById == creatorId && r.CreatedAt >= recent, HttpContext.RequestAborted))
        {
            // Note: the same reminder posted again within two minutes is a double tap, not a second reminder; a second
            // one would send the same WeChat message twice.
            Notice = "这条跟进提醒刚才已经添加过了，没有重复添加。";
            return Redirect($"/customers/{id}#reminders");
        }

        var reminder = new FollowUpReminder
        {
            CustomerId = id,
            AssigneeId = Reminder.AssigneeId!.Value,
            CreatedById = creatorId,
            DueAt = dueAt!.Value,
            Note = note,
            CreatedAt = now,
        };
        db.Reminders.Add(reminder);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        logger.LogInformation("Reminder {ReminderId} on customer {CustomerId} for account {AccountId} due {DueAt:O}", reminder.Id, id, reminder.AssigneeId, reminder.DueAt);
        Notice = $"已添加跟进提醒：{CrmTime.Format(reminder.DueAt)} 通过微信提醒负责人。";
        return Redirect($"/customers/{id}#reminders");
    }

    /// <summary>「发送微信通知」: a short text to an employee's bound WeChat, now.</summary>
    public async Task<IActionResult> OnPostNotifyAsync(int id)
    {
        KeepErrorsOf(nameof(Notify));
        var customer = await db.Customers.AsNoTracking().Where(c => c.Id == id).Select(c => new { c.Name, c.Company }).SingleOrDefaultAsync(HttpContext.RequestAborted);
        if (customer is null)
        {
            return NotFound();
        }

        var recipient = Notify.RecipientId is { } recipientId
            ? await db.Accounts.AsNoTracking().Where(a => a.Id == recipientId).Select(a => new { a.Id, a.DisplayName, a.WeixinOpenId }).SingleOrDefaultAsync(HttpContext.RequestAborted)
            : null;
        if (Notify.RecipientId is not null && recipient is null)
        {
            ModelState.AddModelError($"{nameof(Notify)}.{nameof(Notify.RecipientId)}", "所选同事不存在，请重新选择。");
        }
        else if (recipient is { WeixinOpenId: null })
        {
            ModelState.AddModelError($"{nameof(Notify)}.{nameof(Notify.RecipientId)}", $"{recipient.DisplayName} 还没有绑定微信，无法发送微信通知。");
        }

        if (!ModelState.IsValid)
        {
            return await RedisplayAsync(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var key = NotificationMessages.ManualKey(Notify.SubmissionId);
        if (await db.Notifications.AnyAsync(n => n.IdempotencyKey == key, HttpContext.RequestAborted))
        {
            // Note: the same form came twice (a double tap, a resubmitted page): the first one is the notification.
            Notice = $"这条通知已经发送过了，没有重复发送给 {recipient!.DisplayName}。";
            return Redirect($"/customers/{id}#notify");
        }

        var text = Notify.Text!.Trim();
        var url = NotificationMessages.CustomerUrl(gatewayOptions.Value.PublicBaseUrl, id);
        var request = NotificationMessages.Manual(key, recipient!.WeixinOpenId!, notificationOptions.Value.FollowUpTemplateId, url,
            CurrentAccount.DisplayName(User), customer.Name, customer.Company, now, text);
        var notification = new WeixinNotification
        {
            Kind = NotificationKinds.Manual,
            IdempotencyKey = key,
            CustomerId = id,
            RecipientId = recipient.Id,
            SenderId = CurrentAccount.Id(User),
            OpenId = recipient.WeixinOpenId,
            Summary = text,
            Payload = NotificationMessages.Serialize(request),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Notifications.Add(notification);
        try
        {
            await db.SaveChangesAsync(HttpContext.RequestAborted);
        }
        catch (DbUpdateException ex) when (ex.InnerException is MySqlConnector.MySqlException { ErrorCode: MySqlConnector.MySqlErrorCode.DuplicateKeyEntry })
        {
            // Note: two taps raced past the check above; the unique key let only one of them in.
            Notice = $"这条通知已经发送过了，没有重复发送给 {recipient.DisplayName}。";
            return Redirect($"/customers/{id}#notify");
        }

        logger.LogInformation("Notification {NotificationId} to account {AccountId} about customer {CustomerId} written", notification.Id, recipient.Id, id);

        switch (await notifications.HandOverAsync(notification, HttpContext.RequestAborted))
        {
            case HandOverResult.Accepted:
                Notice = $"已发送微信通知给 {recipient.DisplayName}。";
                break;
            case HandOverResult.GatewayUnavailable:
                Notice = $"内网微信网关暂时不可用：给 {recipient.DisplayName} 的通知已保存，将自动重试发送。";
                break;
            default:
                NotifyError = $"发送失败：{notification.LastError}";
                break;
        }

        return Redirect($"/customers/{id}#notify");
    }

    /// <summary>Only the errors of the form that was posted stay (every form's fields are bound on every post).</summary>
    private void KeepErrorsOf(string prefix)
    {
        foreach (var key in ModelState.Keys.Where(k => !k.StartsWith(prefix + ".", StringComparison.Ordinal)).ToList())
        {
            ModelState.Remove(key);
        }
    }

    private async Task<IActionResult> RedisplayAsync(int id)
    {
        if (!ModelState.Keys.Any(k => k.StartsWith(nameof(Reminder) + ".", StringComparison.Ordinal)))
        {
            // Note: another form was posted; the reminder form gets its usual suggestion rather than empty fields.
            SuggestReminder();
        }

        await LoadAsync(id);
        return Page();
    }

    /// <summary>The reminder form's starting values: for me, in an hour.</summary>
    private void SuggestReminder()
    {
        Reminder.AssigneeId = CurrentAccount.Id(User);
        Reminder.DueAt = CrmTime.FormatInput(time.GetUtcNow().UtcDateTime.AddHours(1));
    }

    private async Task<bool> LoadAsync(int id)
    {
        var cancellationToken = HttpContext.RequestAborted;
        if (await new Query(id).RunAsync(db, cancellationToken) is not { } card)
        {
            return false;
        }

        Customer = card;
        var me = CurrentAccount.Id(User);
        Employees = await db.Accounts.AsNoTracking()
            .OrderByDescending(a => a.Id == me).ThenBy(a => a.DisplayName).ThenBy(a => a.Id)
            .Select(a => new Employee(a.Id, a.DisplayName, a.WeixinOpenId != null))
            .ToListAsync(cancellationToken);

        // Note: the reminders' messages are tracked, so the refresh below saves what the gateway reports.
        var reminders = await db.Reminders.Where(r => r.CustomerId == id)
            .OrderByDescending(r => r.DueAt).ThenByDescending(r => r.Id).Take(MaxReminders)
            .Include(r => r.Notification).Include(r => r.Assignee)
            .ToListAsync(cancellationToken);
        GatewayUnavailable = !await notifications.RefreshAsync(reminders.Where(r => r.Notification is not null).Select(r => r.Notification!), cancellationToken);
        Reminders = reminders.Select(r => new ReminderRow(r.Id, r.DueAt, r.Assignee!.DisplayName, r.Note, ReminderState.Of(r.Notification), r.Notification?.LastError)).ToList();
        return true;
    }

    public sealed record Query(int Id)
    {
        public Task<Card?> RunAsync(CrmDbContext db, CancellationToken cancellationToken) => db.Customers.AsNoTracking()
            .Where(c => c.Id == Id)
            .Select(c => new Card(
                c.Id, c.Name, c.Company, c.Phone, c.Owner == null ? null : c.Owner.DisplayName, c.CreatedAt,
                c.Notes.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
                    .Select(n => new NoteRow(n.Id, n.Author!.DisplayName, n.Content, n.CreatedAt)).ToList()))
            .SingleOrDefaultAsync(cancellationToken);
    }

    public sealed record Card(int Id, string Name, string? Company, string? Phone, string? Owner, DateTime CreatedAt, List<NoteRow> Notes);

    public sealed record NoteRow(long Id, string Author, string Content, DateTime CreatedAt);

    public sealed record Employee(int Id, string DisplayName, bool WeixinBound);

    public sealed record ReminderRow(long Id, DateTime DueAt, string Assignee, string Note, ReminderState State, string? Reason);

    /// <summary>Where a reminder stands, as its badge shows it.</summary>
    public sealed record ReminderState(string Code, string Label)
    {
        public static ReminderState Of(WeixinNotification? notification) => notification?.Status switch
        {
            null => new("waiting", "待提醒"),
            NotificationStatuses.Sent => new("sent", "已提醒"),
            NotificationStatuses.Failed => new("failed", "发送失败"),
            NotificationStatuses.Dead => new("failed", "已放弃"), // Note: the same word as on 「通知」, where it can be re-sent.
            _ => new("sending", "提醒发送中"),
        };
    }

    public sealed class NoteCommand
    {
        [Required(ErrorMessage = "请填写跟进内容。")]
        [StringLength(1000, ErrorMessage = "跟进内容最多 1000 字。")]
        public string? Content { get; set; }
    }

    public sealed class ReminderCommand
    {
        /// <summary>China time from a <c>datetime-local</c> input.</summary>
        [Required(ErrorMessage = "请选择提醒时间。")]
        public string? DueAt { get; set; }

        [Required(ErrorMessage = "请选择负责人。")]
        public int? AssigneeId { get; set; }

        [Required(ErrorMessage = "请填写提醒内容，例如「回访报价」。")]
        [StringLength(NotificationMessages.MaxText, ErrorMessage = "提醒内容最多 200 字。")]
        public string? Note { get; set; }
    }

    public sealed class NotifyCommand
    {
        /// <summary>Made when the form is shown (hidden field): a double tap or a resubmitted form sends once.</summary>
        public string? SubmissionId { get; set; }

        [Required(ErrorMessage = "请选择要通知的同事。")]
        public int? RecipientId { get; set; }

        [Required(ErrorMessage = "请填写通知内容。")]
        [StringLength(NotificationMessages.MaxText, ErrorMessage = "通知内容最多 200 字。")]
        public string? Text { get; set; }
    }
}
