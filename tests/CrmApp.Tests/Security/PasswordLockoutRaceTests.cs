using System.Globalization;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Security;

/// <summary>
/// Issue 13 item 10, as an attacker sends it: many wrong passwords for one name at the same moment must not buy more
/// guesses than the lockout allows (each attempt counts under the account's row lock).
/// </summary>
[Collection(CrmCollection.Name)]
public sealed class PasswordLockoutRaceTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task FortyParallelWrongPasswords_AtMostFiveGenericErrors_TheRestLockedOut()
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, "并发", "Secret2024ab");
        var browsers = Enumerable.Range(0, 40).Select(_ => new CrmBrowser(System, UserAgents.DesktopChrome)).ToList();
        try
        {
            // Note: 40 browsers, each with its own session and antiforgery token, load the form and post at once.
            var pages = await Task.WhenAll(browsers.Select((b, i) => b.SignInWithPasswordAsync(userName, "Wrong" + i.ToString("D4", CultureInfo.InvariantCulture) + "ab")));

            var generic = pages.Count(p => p.Text.Contains("用户名或密码错误。", StringComparison.Ordinal));
            var locked = pages.Count(p => p.Text.Contains("账号已被锁定", StringComparison.Ordinal));
            Assert.Equal(40, generic + locked);
            Assert.InRange(generic, 1, 5);
            var row = (await System.QueryAsync("SELECT lockout_ends_at FROM accounts WHERE user_name = @u", ("@u", userName))).Single();
            Assert.NotNull(row["lockout_ends_at"]);
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
        }
    }
}
