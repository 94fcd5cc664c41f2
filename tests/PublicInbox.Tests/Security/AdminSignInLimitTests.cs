using System.Net;
using System.Text.Json;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.Security;

/// <summary>
/// Issue 13 item 5, /admin sign-in: wrong passwords lock a name only for the address they came from, so nobody on the
/// internet can keep the office's admin out; one address cannot spray names either (a per-address limit on sign-in
/// POSTs, 429 with Retry-After and a Chinese page). The inbox sits behind nginx on 127.0.0.1, as in production: the
/// client's address is the X-Forwarded-For that the trusted proxy adds. Real inbox process, MariaDB.
/// </summary>
public sealed class AdminSignInLimitTests
{
    private const string Attacker = "203.0.113.66";
    private const string Office = "198.51.100.20";

    private static readonly Dictionary<string, string?> BehindNginx = new()
    {
        ["Inbox__TrustedProxies__0"] = "127.0.0.1",
        ["RateLimits__AdminSignInPerAddress__PermitLimit"] = null, // Note: the default (20 per 15 min).
    };

    [Fact]
    public async Task WrongPasswordsFromOneAddress_LockOnlyThatAddress_TheAdminStillSignsInFromTheOffice()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-lock-per-address", BehindNginx);
        using var guesser = inbox.NewClient(Attacker);
        for (var i = 0; i < 4; i++)
        {
            using var wrong = await guesser.SignInAsync(AdminInbox.AdminName, "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var fifth = await guesser.SignInAsync(AdminInbox.AdminName, "guess-4");
        using var rightFromAttacker = await inbox.NewClient(Attacker).SignInAsync(AdminInbox.AdminName, AdminInbox.AdminPassword);
        using var office = inbox.NewClient(Office);
        using var rightFromOffice = await office.SignInAsync(AdminInbox.AdminName, AdminInbox.AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, rightFromAttacker.StatusCode);
        Assert.Contains("已锁定", await rightFromAttacker.Content.ReadAsStringAsync());
        Assert.InRange(rightFromAttacker.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        Assert.Equal(HttpStatusCode.Redirect, rightFromOffice.StatusCode);
        Assert.Contains("概览", await office.GetPageAsync("/admin"));
        var lockRow = Assert.Single(await inbox.QueryAsync(
            "SELECT remote_address, failures, locked_until FROM admin_sign_in_locks WHERE user_name = @n", ("@n", AdminInbox.AdminName)));
        Assert.Equal(Attacker, lockRow["remote_address"]);
        Assert.Equal(5, lockRow["failures"]);
        Assert.NotNull(lockRow["locked_until"]);
        Assert.All(await inbox.AuditAsync(AdminAuditActions.SignInLocked), a => Assert.Equal(Attacker, a["remote_ip"]));
        Assert.Equal(Office, (await inbox.AuditAsync(AdminAuditActions.SignInOk)).First()["remote_ip"]);
    }

    [Fact]
    public async Task OneAddressSprayingNames_Gets429WithRetryAfterAndAChinesePage_OtherAddressesStillSignIn()
    {
        await using var inbox = await AdminInbox.StartAsync("inbox-spray", BehindNginx);
        using var sprayer = inbox.NewClient(Attacker);
        sprayer.Headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        for (var i = 0; i < 20; i++)
        {
            using var wrong = await sprayer.SignInAsync("name" + i, "password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var refused = await sprayer.SignInAsync(AdminInbox.AdminName, AdminInbox.AdminPassword);
        var html = await refused.Content.ReadAsStringAsync();
        using var script = inbox.NewClient(Attacker);
        using var refusedJson = await script.SignInAsync("name-json", "password-json");
        using var office = inbox.NewClient(Office);
        using var fromOffice = await office.SignInAsync(AdminInbox.AdminName, AdminInbox.AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
        Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>请求过于频繁</h1>", html, StringComparison.Ordinal);
        Assert.Matches(@"请在 \d+ 秒后重试。", html);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedJson.StatusCode);
        Assert.Equal("请求过于频繁", JsonDocument.Parse(await refusedJson.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Redirect, fromOffice.StatusCode);
        // Note: refused before the password check: neither the right password nor the next name reached the audit log.
        var fromAttacker = (await inbox.AuditAsync(AdminAuditActions.SignInFailed)).Count(a => a["remote_ip"] as string == Attacker);
        Assert.Equal(20, fromAttacker);
        Assert.DoesNotContain(await inbox.AuditAsync(AdminAuditActions.SignInOk), a => a["remote_ip"] as string == Attacker);
    }
}
