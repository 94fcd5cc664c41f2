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
}
