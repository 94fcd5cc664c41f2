using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;

namespace Weixin.Inbox.CrmApp.Pages.Account;

// Note: this page's namespace is Pages.Account; the alias makes "Account" mean the entity here.
using Account = global::Weixin.Inbox.CrmApp.Data.Account;

/// <summary>
/// <c>/account</c> (「我的」): the signed-in user's profile and WeChat binding, with 「解除绑定」, 「修改密码」, and the
/// devices WeChat logins go straight in on, with 「移除」 (the next WeChat login there asks for the number again).
/// 「解除绑定」 and 「修改密码」 renew the account's security stamp: its other sessions end at their next request, on
/// every instance (<see cref="AccountSessions"/>); this browser's cookie is re-issued and stays signed in.
/// </summary>
public sealed class IndexModel(
    CrmDbContext db,
    DeviceStore devices,
    PasswordCheck passwords,
    IPasswordHasher<Account> hasher,
    AccountSignIn signIn,
    TimeProvider time,
    ILogger<IndexModel> logger) : PageModel
{
    public Profile Me { get; private set; } = null!;

    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    [TempData]
    public string? Notice { get; set; }

    public PasswordCommand PasswordInput { get; set; } = new();

    /// <summary>Why 「修改密码」 was refused (wrong current password, lockout).</summary>
    public string? PasswordError { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : Redirect("/login");

    public async Task<IActionResult> OnPostChangePasswordAsync([Bind(Prefix = nameof(PasswordInput))] PasswordCommand input)
    {
        var id = CurrentAccount.Id(User);
        var cancellationToken = HttpContext.RequestAborted;
        if (ModelState.IsValid)
        {
            AddPasswordError(nameof(input.NewPassword), PasswordRules.CheckPassword(input.NewPassword));
            if (input.NewPassword == input.CurrentPassword)
            {
                AddPasswordError(nameof(input.NewPassword), "新密码不能与当前密码相同。");
            }
        }

        if (!ModelState.IsValid)
        {
            return await RefusedAsync();
        }

        var userName = await db.Accounts.AsNoTracking().Where(a => a.Id == id).Select(a => a.UserName).SingleOrDefaultAsync(cancellationToken);
        if (userName is null)
        {
            return Redirect("/login");
        }

        // Note: the current password goes through the sign-in's check, so a wrong one counts towards the same lockout:
        // a session left open on a shared computer cannot be used to guess the password at leisure.
        var result = await passwords.CheckAsync(userName, input.CurrentPassword, cancellationToken);
        if (result is not PasswordCheckResult.Success)
        {
            PasswordError = result is PasswordCheckResult.LockedOut
                ? PasswordCheckResult.Describe(result, time.GetUtcNow().UtcDateTime)
                : "当前密码不正确。";
            return await RefusedAsync();
        }

        var changed = await ChangeLockedAsync(id, a => a.PasswordHash = hasher.HashPassword(a, input.NewPassword!));
        if (changed is null)
        {
            return Redirect("/login");
        }

        await signIn.KeepThisSessionAsync(HttpContext, changed);
        logger.LogInformation("Account {AccountId} changed its password", id);
        Notice = "密码已修改。其他设备上的登录已退出，需用新密码重新登录；当前设备保持登录。";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveDeviceAsync(long deviceId)
    {
        // Note: only the signed-in account's own rows can go (DeviceStore matches the account too).
        if (await devices.RemoveAsync(CurrentAccount.Id(User), deviceId, HttpContext.RequestAborted))
        {
            Notice = "已移除该设备。在这台设备上再用微信登录时，需要在公众号对话中发送数字确认。";
        }

        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostUnbindAsync()
    {
        var id = CurrentAccount.Id(User);
        var wasBound = false;
        var changed = await ChangeLockedAsync(id, a =>
        {
            wasBound = a.WeixinOpenId is not null;
            a.WeixinOpenId = null;
            a.WeixinNickname = null;
            a.WeixinHeadImgUrl = null;
            a.WeixinBoundAt = null;
        });
        if (changed is null)
        {
            return Redirect("/login");
        }

        if (wasBound)
        {
            // Note: the devices were known for the WeChat user just unbound; the next one bound confirms its own.
            await devices.ForgetAllAsync(id, HttpContext.RequestAborted);
            // Note: sessions opened with that WeChat (on a lost phone, say) end with the binding; so do the others, as
            // a cookie does not prove which way it was obtained once the binding is gone.
            await signIn.KeepThisSessionAsync(HttpContext, changed);
            logger.LogInformation("Account {AccountId} unbound its WeChat user", id);
            Notice = "已解除微信绑定，其他设备上的登录已退出。之后用微信登录时，可以重新绑定账号。";
        }

        return RedirectToPage();
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the account under its row lock and renews its security stamp; null when the
    /// account is gone. Nothing is saved when <paramref name="change"/> changed nothing.
    /// </summary>
    private async Task<Account?> ChangeLockedAsync(int id, Action<Account> change)
    {
        var cancellationToken = HttpContext.RequestAborted;
        // Note: a fresh read under FOR UPDATE (the check above may have left a tracked copy): a 管理员's disable or role
        // change on the same row either lands before (and is read here, so this cookie is re-issued with what it set)
        // or waits and renews the stamp after (and this cookie ends too), never half of each.
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await db.Accounts.FromSqlInterpolated($"SELECT * FROM accounts WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return null;
        }

        change(account);
        if (db.ChangeTracker.HasChanges())
        {
            account.RenewSecurityStamp();
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return account;
    }

    private async Task<bool> LoadAsync()
    {
        var id = CurrentAccount.Id(User);
        var me = await Query(id);
        if (me is null)
        {
            return false;
        }

        Me = me;
        Devices = await devices.ListAsync(HttpContext, id);
        return true;
    }

    /// <summary>The page again with 「修改密码」's errors (the typed passwords are not sent back).</summary>
    private async Task<IActionResult> RefusedAsync() => await LoadAsync() ? Page() : Redirect("/login");

    private void AddPasswordError(string field, string? problem)
    {
        if (problem is not null)
        {
            ModelState.AddModelError($"{nameof(PasswordInput)}.{field}", problem);
        }
    }

    private Task<Profile?> Query(int id) => db.Accounts.AsNoTracking()
        .Where(a => a.Id == id)
        .Select(a => new Profile(a.UserName, a.DisplayName, a.CreatedAt, a.LastLoginAt, a.WeixinOpenId != null, a.WeixinNickname, a.WeixinHeadImgUrl, a.WeixinBoundAt))
        .SingleOrDefaultAsync(HttpContext.RequestAborted);

    public sealed class PasswordCommand
    {
        [Required(ErrorMessage = "请输入当前密码。")]
        [StringLength(128, ErrorMessage = "密码太长。")]
        public string? CurrentPassword { get; set; }

        /// <summary>Checked by <see cref="PasswordRules.CheckPassword"/>.</summary>
        [Required(ErrorMessage = "请输入新密码。")]
        public string? NewPassword { get; set; }

        [Required(ErrorMessage = "请再次输入新密码。")]
        [Compare(nameof(NewPassword), ErrorMessage = "两次输入的新密码不一致。")]
        public string? ConfirmPassword { get; set; }
    }

    public sealed record Profile(
        string UserName,
        string DisplayName,
        DateTime CreatedAt,
        DateTime? LastLoginAt,
        bool WeixinBound,
        string? WeixinNickname,
        string? WeixinHeadImgUrl,
        DateTime? WeixinBoundAt);
}
