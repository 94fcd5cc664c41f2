namespace Weixin.Inbox.CrmApp.Data;

/// <summary>
/// 「跟进提醒」 on a customer: when it is due, the assignee gets a template message on WeChat (see
/// <see cref="WeixinNotification"/>; a reminder has at most one).
/// </summary>
public sealed class FollowUpReminder
{
    public long Id { get; set; }
    public int CustomerId { get; set; }
    public Customer? Customer { get; set; }

    /// <summary>The employee to remind (their bound WeChat receives the message).</summary>
    public int AssigneeId { get; set; }
    public Account? Assignee { get; set; }

    /// <summary>Who set the reminder.</summary>
    public int CreatedById { get; set; }
    public Account? CreatedBy { get; set; }

    /// <summary>When to remind (UTC; entered and shown in China time).</summary>
    public DateTime DueAt { get; set; }

    /// <summary>What to do, in the assignee's words (the template message's remark).</summary>
    public string Note { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>The message sent for it, once it was due; null while it waits.</summary>
    public WeixinNotification? Notification { get; set; }
}
