using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Notifications;

namespace Weixin.Inbox.CrmApp.Pages.Customers;

/// <summary>
/// <c>/customers/{id}</c>: one customer with its follow-up notes, follow-up reminders (sent to the assignee's WeChat
/// when due) and 「发送微信通知」; a form for each, each posted to its own handler with its own command, so an error
/// shows on the form that was sent and the others keep their starting values. Viewing the page reads the database
/// only; the gateway is asked for the reminders' delivery status when 「刷新状态」 is pressed.
/// </summary>
/// <remarks>
/// Note: a customer the account may not see (another 销售's) answers 404 to every handler, as an unknown id does, so
/// guessing ids neither shows nor confirms anything.
/// </remarks>
public sealed class DetailsModel(CrmDbContext db, AccountAccess access, NotificationSender notifications, TimeProvider time, ILogger<DetailsModel> logger) : PageModel
{
    private const int MaxReminders = 20;
    private const int MaxSent = 10;

    public Card Customer { get; private set; } = null!;

    /// <summary>The customer's reminders, latest due first, with their state as last recorded.</summary>
    public List<ReminderRow> Reminders { get; private set; } = [];

    /// <summary>The latest 「发送微信通知」 about this customer, newest first, with their whole text.</summary>
    public List<SentRow> Sent { get; private set; } = [];

    /// <summary>Everyone a reminder or a notification can be for (the current user first).</summary>
    public List<Employee> Employees { get; private set; } = [];

    /// <summary>The forms: what was posted to the one that failed validation, starting values for the others.</summary>
    public NoteCommand Note { get; private set; } = new();
    public ReminderCommand Reminder { get; private set; } = new();
    public NotifyCommand Notify { get; private set; } = new();

    [TempData]
    public string? Notice { get; set; }

    [TempData]
    public string? NotifyError { get; set; }

    /// <summary>Set by 「刷新状态」 when the gateway could not be reached for some reminders.</summary>
    [TempData]
    public bool GatewayUnavailable { get; set; }

    public Task<IActionResult> OnGetAsync(int id) => ShowAsync(id);

    /// <summary>「添加跟进记录」.</summary>
    public async Task<IActionResult> OnPostAsync(int id, [Bind(Prefix = nameof(Note))] NoteCommand input)
    {
        if (!await CustomerExistsAsync(id))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return await ShowAsync(id, note: input);
        }

        var note = input.ToNote(id, CurrentAccount.Id(User), time.GetUtcNow().UtcDateTime);
        db.Notes.Add(note);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        logger.LogInformation("Note {NoteId} added to customer {CustomerId} by account {AccountId}", note.Id, id, note.AuthorId);
        return Redirect($"/customers/{id}#notes");
    }

    /// <summary>「添加提醒」.</summary>
    public async Task<IActionResult> OnPostReminderAsync(int id, [Bind(Prefix = nameof(Reminder))] ReminderCommand input)
    {
        if (!await CustomerExistsAsync(id))
        {
            return NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        AddError(nameof(Reminder), nameof(input.DueAt), input.CheckDueAt(now));
        if (input.AssigneeId is { } assigneeId && !await db.Accounts.AnyAsync(a => a.Id == assigneeId && a.Status == AccountStatuses.Active, HttpContext.RequestAborted))
        {
            AddError(nameof(Reminder), nameof(input.AssigneeId), "所选负责人不存在，请重新选择。");
        }

        if (!ModelState.IsValid)
        {
            return await ShowAsync(id, reminder: input);
        }

        var reminder = input.ToReminder(id, CurrentAccount.Id(User), now);
        if (await input.WasJustAddedAsync(db, reminder, HttpContext.RequestAborted))
        {
            // Note: the same reminder posted again within two minutes is a double tap, not a second reminder; a second
            // one would send the same WeChat message twice.
            Notice = "这条跟进提醒刚才已经添加过了，没有重复添加。";
            return Redirect($"/customers/{id}#reminders");
        }

        db.Reminders.Add(reminder);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        logger.LogInformation("Reminder {ReminderId} on customer {CustomerId} for account {AccountId} due {DueAt:O}", reminder.Id, id, reminder.AssigneeId, reminder.DueAt);
        Notice = $"已添加跟进提醒：{CrmTime.Format(reminder.DueAt)} 通过微信提醒负责人。";
        return Redirect($"/customers/{id}#reminders");
    }

    /// <summary>「发送微信通知」: a short text to an employee's bound WeChat, now.</summary>
    public async Task<IActionResult> OnPostNotifyAsync(int id, [Bind(Prefix = nameof(Notify))] NotifyCommand input)
    {
        var cancellationToken = HttpContext.RequestAborted;
        var me = await access.RequireAsync(User, cancellationToken);
        var customer = await db.Customers.AsNoTracking().VisibleTo(me).Where(c => c.Id == id).Select(c => new { c.Name, c.Company }).SingleOrDefaultAsync(cancellationToken);
        if (customer is null)
        {
            return NotFound();
        }

        var recipient = input.RecipientId is { } recipientId
            ? await db.Accounts.AsNoTracking().Where(a => a.Id == recipientId && a.Status == AccountStatuses.Active).Select(a => new { a.Id, a.DisplayName, a.WeixinOpenId }).SingleOrDefaultAsync(cancellationToken)
            : null;
        if (input.RecipientId is not null && recipient is null)
        {
            AddError(nameof(Notify), nameof(input.RecipientId), "所选同事不存在，请重新选择。");
        }
        else if (recipient is { WeixinOpenId: null })
        {
            AddError(nameof(Notify), nameof(input.RecipientId), $"{recipient.DisplayName} 还没有绑定微信，无法发送微信通知。");
        }

        if (!ModelState.IsValid)
        {
            return await ShowAsync(id, notify: input);
        }

        var (result, reason) = await notifications.SendManualAsync(new ManualNotification(
            input.SubmissionId, id, customer.Name, customer.Company, recipient!.Id, recipient.WeixinOpenId!,
            CurrentAccount.Id(User), CurrentAccount.DisplayName(User), input.Text!.Trim()), cancellationToken);
        switch (result)
        {
            case null:
                Notice = $"这条通知已经发送过了，没有重复发送给 {recipient.DisplayName}。";
                break;
            case HandOverResult.Accepted:
                Notice = $"已发送微信通知给 {recipient.DisplayName}。";
                break;
            case HandOverResult.GatewayUnavailable:
                Notice = $"内网微信网关暂时不可用：给 {recipient.DisplayName} 的通知已保存，将自动重试发送。";
                break;
            default:
                NotifyError = $"发送失败：{reason}";
                break;
        }

        return Redirect($"/customers/{id}#notify");
    }

    /// <summary>「刷新状态」: asks the gateway where the shown reminders' messages stand and records it.</summary>
    public async Task<IActionResult> OnPostRefreshAsync(int id)
    {
        var cancellationToken = HttpContext.RequestAborted;
        if (!await CustomerExistsAsync(id))
        {
            return NotFound();
        }

        // Note: tracked, so the refresh saves what the gateway reports.
        var messages = await db.Reminders.Where(r => r.CustomerId == id && r.Notification != null)
            .OrderByDescending(r => r.DueAt).ThenByDescending(r => r.Id).Take(MaxReminders)
            .Select(r => r.Notification!)
            .ToListAsync(cancellationToken);
        GatewayUnavailable = !await notifications.RefreshAsync(messages, cancellationToken);
        return Redirect($"/customers/{id}#reminders");
    }

    /// <summary>
    /// The page with the forms as given: a form that failed validation shows what was posted (its errors are in
    /// ModelState under its own prefix only), the others their starting values.
    /// </summary>
    private async Task<IActionResult> ShowAsync(int id, NoteCommand? note = null, ReminderCommand? reminder = null, NotifyCommand? notify = null)
    {
        var account = await access.RequireAsync(User, HttpContext.RequestAborted);
        var me = account.Id;
        if (await new Query(id, account, MaxReminders).RunAsync(db, HttpContext.RequestAborted) is not { } view)
        {
            return NotFound();
        }

        (Customer, Reminders, Employees, Sent) = view;
        Note = note ?? new NoteCommand();
        Reminder = reminder ?? ReminderCommand.Suggested(me, time.GetUtcNow().UtcDateTime);
        Notify = notify ?? new NotifyCommand { SubmissionId = NotificationMessages.NewSubmissionId() };
        return Page();
    }

    /// <summary>True when the customer exists and the signed-in account may see it.</summary>
    private async Task<bool> CustomerExistsAsync(int id)
    {
        var me = await access.RequireAsync(User, HttpContext.RequestAborted);
        return await db.Customers.VisibleTo(me).AnyAsync(c => c.Id == id, HttpContext.RequestAborted);
    }

    private void AddError(string form, string field, string? problem)
    {
        if (problem is not null)
        {
            ModelState.AddModelError($"{form}.{field}", problem);
        }
    }

    /// <summary>Everything the page shows, from the database alone.</summary>
    public sealed record Query(int Id, SignedInAccount Account, int MaxReminders, int SentLimit = MaxSent)
    {
        private int CurrentAccountId => Account.Id;

        public async Task<View?> RunAsync(CrmDbContext db, CancellationToken cancellationToken)
        {
            var card = await db.Customers.AsNoTracking().VisibleTo(Account)
                .Where(c => c.Id == Id)
                .Select(c => new Card(
                    c.Id, c.Name, c.Company, c.Phone, c.Owner == null ? null : c.Owner.DisplayName, c.CreatedAt,
                    c.Notes.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
                        .Select(n => new NoteRow(n.Id, n.Author!.DisplayName, n.Content, n.CreatedAt)).ToList()))
                .SingleOrDefaultAsync(cancellationToken);
            if (card is null)
            {
                return null;
            }

            var reminders = await db.Reminders.AsNoTracking().Where(r => r.CustomerId == Id)
                .OrderByDescending(r => r.DueAt).ThenByDescending(r => r.Id).Take(MaxReminders)
                .Select(r => new
                {
                    r.Id, r.DueAt, Assignee = r.Assignee!.DisplayName, r.Note,
                    Status = r.Notification == null ? null : r.Notification.Status,
                    Reason = r.Notification == null ? null : r.Notification.LastError,
                })
                .ToListAsync(cancellationToken);
            // Note: the template fallback of 「发送微信通知」 shows the text shortened; its link leads here, so the whole text is shown.
            var sent = await db.Notifications.AsNoTracking()
                .Where(n => n.CustomerId == Id && n.Kind == NotificationKinds.Manual)
                .OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Take(SentLimit)
                .Select(n => new SentRow(n.Id, n.Sender == null ? "—" : n.Sender.DisplayName, n.Recipient!.DisplayName, n.Summary, n.CreatedAt))
                .ToListAsync(cancellationToken);
            // Note: only active colleagues: a pending or disabled account must not receive customer names on WeChat.
            var employees = await db.Accounts.AsNoTracking().Where(a => a.Status == AccountStatuses.Active)
                .OrderByDescending(a => a.Id == CurrentAccountId).ThenBy(a => a.DisplayName).ThenBy(a => a.Id)
                .Select(a => new Employee(a.Id, a.DisplayName, a.WeixinOpenId != null))
                .ToListAsync(cancellationToken);
            return new View(card, reminders.Select(r => new ReminderRow(r.Id, r.DueAt, r.Assignee, r.Note, ReminderState.Of(r.Status), r.Reason)).ToList(), employees, sent);
        }
    }

    public sealed record View(Card Customer, List<ReminderRow> Reminders, List<Employee> Employees, List<SentRow> Sent);

    /// <summary>One 「发送微信通知」 about the customer, with its whole text.</summary>
    public sealed record SentRow(long Id, string Sender, string Recipient, string Text, DateTime CreatedAt);

    public sealed record Card(int Id, string Name, string? Company, string? Phone, string? Owner, DateTime CreatedAt, List<NoteRow> Notes);

    public sealed record NoteRow(long Id, string Author, string Content, DateTime CreatedAt);

    public sealed record Employee(int Id, string DisplayName, bool WeixinBound);

    public sealed record ReminderRow(long Id, DateTime DueAt, string Assignee, string Note, ReminderState State, string? Reason)
    {
        /// <summary>Still moving: not yet due, or handed over and not yet reported sent or failed.</summary>
        public bool Unfinished => State.Code is "waiting" or "sending";
    }

    /// <summary>Where a reminder stands, as its badge shows it.</summary>
    public sealed record ReminderState(string Code, string Label)
    {
        /// <param name="status">The status of the reminder's message; null while it has none (not yet due).</param>
        public static ReminderState Of(string? status) => status switch
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

        public FollowUpNote ToNote(int customerId, int authorId, DateTime nowUtc) =>
            new() { CustomerId = customerId, AuthorId = authorId, Content = Content!.Trim(), CreatedAt = nowUtc };
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

        /// <summary>The form's starting values: for me, in an hour.</summary>
        public static ReminderCommand Suggested(int me, DateTime nowUtc) => new() { AssigneeId = me, DueAt = CrmTime.FormatInput(nowUtc.AddHours(1)) };

        /// <summary>What is wrong with a given <see cref="DueAt"/> (a missing one is <see cref="RequiredAttribute"/>'s), or null.</summary>
        public string? CheckDueAt(DateTime nowUtc)
        {
            if (string.IsNullOrWhiteSpace(DueAt))
            {
                return null;
            }

            return CrmTime.ParseInput(DueAt) switch
            {
                null => "提醒时间格式不正确，请重新选择。",
                // Note: ten minutes of slack: the input has minute precision, and a person who picks "now" and then types
                // the note for a while must not be told the time has passed (a CI browser test was, with one minute); a
                // reminder due a few minutes ago is simply sent at once.
                var dueAt when dueAt < nowUtc.AddMinutes(-10) => "提醒时间已经过去，请选择现在以后的时间。",
                var dueAt when dueAt > nowUtc.AddYears(1) => "提醒时间最多设在一年以内。",
                _ => null,
            };
        }

        /// <summary>The reminder of a valid form.</summary>
        public FollowUpReminder ToReminder(int customerId, int creatorId, DateTime nowUtc) => new()
        {
            CustomerId = customerId,
            AssigneeId = AssigneeId!.Value,
            CreatedById = creatorId,
            DueAt = CrmTime.ParseInput(DueAt)!.Value,
            Note = Note!.Trim(),
            CreatedAt = nowUtc,
        };

        /// <summary>True when the same person added the same reminder within the last two minutes.</summary>
        public Task<bool> WasJustAddedAsync(CrmDbContext db, FollowUpReminder reminder, CancellationToken cancellationToken)
        {
            var recent = reminder.CreatedAt.AddMinutes(-2);
            return db.Reminders.AnyAsync(r => r.CustomerId == reminder.CustomerId && r.AssigneeId == reminder.AssigneeId && r.DueAt == reminder.DueAt
                && r.Note == reminder.Note && r.CreatedById == reminder.CreatedById && r.CreatedAt >= recent, cancellationToken);
        }
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
