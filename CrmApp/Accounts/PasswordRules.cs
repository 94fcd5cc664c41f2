using System.Text.RegularExpressions;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>What a user name and a new password must look like; the texts are shown on the forms.</summary>
public static partial class PasswordRules
{
    public const int MinLength = 8;
    public const int MaxLength = 64;

    public const string PasswordHint = "密码至少 8 位，最多 64 位，须同时包含字母和数字。";
    public const string UserNameHint = "用户名为 3–32 位英文字母、数字、下划线（_）、点（.）或连字符（-）。";

    /// <summary>Null when acceptable, else the Chinese reason.</summary>
    public static string? CheckPassword(string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "请输入密码。";
        }

        if (password.Length < MinLength)
        {
            return $"密码太短：至少 {MinLength} 位。";
        }

        if (password.Length > MaxLength)
        {
            return $"密码太长：最多 {MaxLength} 位。";
        }

        if (!password.Any(char.IsAsciiLetter) || !password.Any(char.IsAsciiDigit))
        {
            return "密码须同时包含英文字母和数字。";
        }

        return null;
    }

    /// <summary>Null when acceptable, else the Chinese reason.</summary>
    public static string? CheckUserName(string? userName) =>
        string.IsNullOrWhiteSpace(userName) ? "请输入用户名。"
        : UserNamePattern().IsMatch(userName.Trim()) ? null
        : UserNameHint;

    /// <summary>A random password that follows the rules (12 characters, no look-alikes such as 0/O, 1/l/I, so it can be typed).</summary>
    public static string Generate()
    {
        while (true)
        {
            var password = System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 12);
            if (CheckPassword(password) is null)
            {
                return password;
            }
        }
    }

    /// <summary>User names are stored and compared in lower case.</summary>
    public static string NormalizeUserName(string? userName) => (userName ?? "").Trim().ToLowerInvariant();

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")]
    private static partial Regex UserNamePattern();
}
