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

    /// <summary>
    /// What 「新建账号」 on the WeChat bind page does (<see cref="SelfRegistrationModes"/>): <c>approval</c> (default: the
    /// account is created pending and sees no customer until a 管理员 approves it), <c>open</c> (an active 销售 at once)
    /// or <c>off</c> (not offered; only 「绑定已有账号」).
    /// </summary>
    [Required]
    [AllowedValues(SelfRegistrationModes.Approval, SelfRegistrationModes.Open, SelfRegistrationModes.Off,
        ErrorMessage = "Accounts:SelfRegistration must be approval, open or off.")]
    public string SelfRegistration { get; set; } = SelfRegistrationModes.Approval;
}

/// <summary>Values of <see cref="AccountOptions.SelfRegistration"/>.</summary>
public static class SelfRegistrationModes
{
    /// <summary>「新建账号」 makes a pending account; a 管理员 approves it in 「用户管理」.</summary>
    public const string Approval = "approval";

    /// <summary>「新建账号」 makes an active 销售 (who sees only the customers they own).</summary>
    public const string Open = "open";

    /// <summary>No 「新建账号」 (and a post to it is refused): a WeChat user can only bind an existing account.</summary>
    public const string Off = "off";
}
