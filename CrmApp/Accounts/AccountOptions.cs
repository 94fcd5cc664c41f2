using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>Sign-in rules (section <c>Accounts</c>).</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>Wrong passwords in a row that lock an account. Default 5.</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a locked account refuses passwords. Default 00:15:00.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a sign-in lasts without activity (sliding). Default 08:00:00.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How long a confirmed WeChat identity waits for 「绑定已有账号」/「新建账号」. Default 00:10:00.</summary>
    public TimeSpan PendingBindingLifetime { get; set; } = TimeSpan.FromMinutes(10);
}
