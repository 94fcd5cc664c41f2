namespace Weixin.Inbox.CrmApp.Data;

/// <summary>A CRM user: signs in with a password, or with the WeChat account bound to it.</summary>
public sealed class Account
{
    public int Id { get; set; }

    /// <summary>Lower-case login name (letters, digits, <c>_ . -</c>); unique.</summary>
    public string UserName { get; set; } = "";

    public string DisplayName { get; set; } = "";

    /// <summary>ASP.NET Core Identity's password hash (PBKDF2, salted, versioned).</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>The bound WeChat openid; unique, so one WeChat user reaches at most one account.</summary>
    public string? WeixinOpenId { get; set; }

    /// <summary>WeChat nickname at the latest WeChat login (shown on the profile page).</summary>
    public string? WeixinNickname { get; set; }

    /// <summary>WeChat avatar URL at the latest WeChat login.</summary>
    public string? WeixinHeadImgUrl { get; set; }

    public DateTime? WeixinBoundAt { get; set; }

    /// <summary>Wrong passwords since the last success or lockout.</summary>
    public int FailedLoginCount { get; set; }

    /// <summary>Password sign-in is refused until then (UTC).</summary>
    public DateTime? LockoutEndsAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastLoginAt { get; set; }

    /// <summary><see cref="AccountRoles"/>: what the account may see and do.</summary>
    public string Role { get; set; } = AccountRoles.Sales;

    /// <summary><see cref="AccountStatuses"/>: only <c>active</c> accounts see customers.</summary>
    public string Status { get; set; } = AccountStatuses.Active;

    /// <summary>
    /// Random value carried in every sign-in cookie; a new one (<see cref="RenewSecurityStamp"/>) ends every session
    /// issued before it, on every instance, at its next request.
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    /// <summary>Ends the account's sessions: call before saving an unbind, password change, disable or role change.</summary>
    public void RenewSecurityStamp() => SecurityStamp = NewSecurityStamp();

    private static string NewSecurityStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}

/// <summary>Values of <see cref="Account.Role"/> (stored as is).</summary>
public static class AccountRoles
{
    /// <summary>管理员: sees every customer and has 「用户管理」.</summary>
    public const string Admin = "admin";

    /// <summary>销售: sees the customers they own.</summary>
    public const string Sales = "sales";
}

/// <summary>Values of <see cref="Account.Status"/> (stored as is).</summary>
public static class AccountStatuses
{
    public const string Active = "active";

    /// <summary>Self-registered and waiting for a 管理员 (<c>Accounts:SelfRegistration=approval</c>): sees no customer.</summary>
    public const string Pending = "pending";

    /// <summary>Disabled by a 管理员: cannot sign in.</summary>
    public const string Disabled = "disabled";
}
