using System.Text;
using Microsoft.AspNetCore.Identity;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>Admin password hashes (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>, PBKDF2) and the <c>hash-password</c> command.</summary>
public static class AdminPasswords
{
    /// <summary>Shortest password the command accepts.</summary>
    public const int MinimumLength = 10;

    private static readonly PasswordHasher<AdminUser> Hasher = new();

    // Note: verified when the name is unknown too, so the answer's timing does not tell which names exist.
    private static readonly string DummyHash = Hasher.HashPassword(new AdminUser(), "not-a-real-password-0000");

    public static string Hash(string password) => Hasher.HashPassword(new AdminUser(), password);

    /// <summary>True when <paramref name="password"/> matches <paramref name="user"/>'s hash; runs a verification either way.</summary>
    public static bool Verify(AdminUser? user, string password)
    {
        var result = Hasher.VerifyHashedPassword(user ?? new AdminUser(), user?.PasswordHash ?? DummyHash, password);
        return user is not null && result is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded;
    }

    /// <summary>A V3 hash is base64 of at least 61 bytes starting with 0x01.</summary>
    public static bool LooksLikeHash(string? hash)
    {
        if (string.IsNullOrEmpty(hash))
        {
            return false;
        }

        var bytes = new byte[hash.Length];
        return Convert.TryFromBase64String(hash, bytes, out var length) && length >= 61 && bytes[0] == 0x01;
    }

    /// <summary>
    /// <c>PublicInbox.dll hash-password</c>: reads the password from standard input (a terminal: without echo, twice;
    /// piped: the first line), prints its hash on standard output. Exit 0, or 2 when refused.
    /// </summary>
    public static int RunCommand(TextReader input, TextWriter output, TextWriter error, bool interactive)
    {
        string? password;
        if (interactive)
        {
            password = ReadHidden(error, "管理员密码 / admin password: ");
            var again = ReadHidden(error, "再输入一次 / again: ");
            if (password != again)
            {
                error.WriteLine("两次输入的密码不一致 / the passwords differ.");
                return 2;
            }
        }
        else
        {
            password = input.ReadLine();
        }

        password = password?.TrimEnd('\r');
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            error.WriteLine($"密码至少 {MinimumLength} 个字符 / the password needs at least {MinimumLength} characters.");
            return 2;
        }

        output.WriteLine(Hash(password));
        return 0;
    }

    private static string ReadHidden(TextWriter prompt, string text)
    {
        prompt.Write(text);
        var buffer = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                prompt.WriteLine();
                return buffer.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (buffer.Length > 0)
                {
                    buffer.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                buffer.Append(key.KeyChar);
            }
        }
    }
}
