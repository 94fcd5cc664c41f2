using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;

namespace Weixin.Inbox.CrmApp.Pages.Admin.Users;

/// <summary>
/// <c>/admin/users/{id}</c>: one account in 「用户管理」 with its devices and the 管理员's actions, each a POST with
/// antiforgery handled by <see cref="AccountAdministration"/> (which logs it, renews the security stamp where access
/// changes, and refuses to leave the CRM without an active 管理员).
/// </summary>
public sealed class DetailsModel(CrmDbContext db, AccountAdministration admin, DeviceStore devices) : PageModel
{
    public Profile Target { get; private set; } = null!;

    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    [TempData]
    public string? Notice { get; set; }

    [TempData]
    public string? Error { get; set; }

    /// <summary>A generated password, shown in this one response (never stored in TempData or a cookie).</summary>
    public string? GeneratedPassword { get; private set; }

    public string? GeneratedMessage { get; private set; }

    public Task<IActionResult> OnGetAsync(int id) => ShowAsync(id);

    public Task<IActionResult> OnPostApproveAsync(int id) => RunAsync(id, me => admin.ApproveAsync(me, id, HttpContext.RequestAborted));

    public Task<IActionResult> OnPostDisableAsync(int id) => RunAsync(id, me => admin.DisableAsync(me, id, HttpContext.RequestAborted));

    public Task<IActionResult> OnPostEnableAsync(int id) => RunAsync(id, me => admin.EnableAsync(me, id, HttpContext.RequestAborted));

    public Task<IActionResult> OnPostRoleAsync(int id, string? role) => RunAsync(id, me => admin.SetRoleAsync(me, id, role ?? "", HttpContext.RequestAborted));

    public Task<IActionResult> OnPostUnbindAsync(int id) => RunAsync(id, me => admin.UnbindWeixinAsync(me, id, HttpContext.RequestAborted));

    /// <summary>「重置密码」: the typed password, or a generated one shown once on this response.</summary>
    public async Task<IActionResult> OnPostPasswordAsync(int id, PasswordCommand input)
    {
        var outcome = await admin.ResetPasswordAsync(CurrentAccount.Id(User), id, input.Generate ? null : input.NewPassword ?? "", HttpContext.RequestAborted);
        if (outcome.Password is { } password)
        {
            // Note: rendered, not redirected: the password must not travel in a TempData cookie or a URL.
            GeneratedMessage = outcome.Message;
            GeneratedPassword = password;
            return await ShowAsync(id);
        }

        return Done(id, outcome);
    }

    private async Task<IActionResult> RunAsync(int id, Func<int, Task<AdminOutcome>> action) =>
        Done(id, await action(CurrentAccount.Id(User)));

    private RedirectResult Done(int id, AdminOutcome outcome)
    {
        if (outcome.Done)
        {
            Notice = outcome.Message;
        }
        else
        {
            Error = outcome.Message;
        }

        return Redirect($"/admin/users/{id}");
    }

    private async Task<IActionResult> ShowAsync(int id)
    {
        var cancellationToken = HttpContext.RequestAborted;
        var profile = await db.Accounts.AsNoTracking().Where(a => a.Id == id)
            .Select(a => new Profile(a.Id, a.UserName, a.DisplayName, a.Role, a.Status, a.WeixinOpenId != null, a.WeixinNickname, a.WeixinBoundAt,
                a.CreatedAt, a.LastLoginAt, a.LockoutEndsAt))
            .SingleOrDefaultAsync(cancellationToken);
        if (profile is null)
        {
            return NotFound();
        }

        Target = profile;
        Devices = await devices.ListForAdminAsync(id, cancellationToken);
        return Page();
    }

    public sealed record Profile(
        int Id, string UserName, string DisplayName, string Role, string Status, bool WeixinBound, string? WeixinNickname, DateTime? WeixinBoundAt,
        DateTime CreatedAt, DateTime? LastLoginAt, DateTime? LockoutEndsAt)
    {
        public bool IsSelf(System.Security.Claims.ClaimsPrincipal user) => CurrentAccount.Id(user) == Id;
    }

    public sealed class PasswordCommand
    {
        [StringLength(128)]
        public string? NewPassword { get; set; }

        /// <summary>「生成随机密码」 was pressed instead of 「设置密码」.</summary>
        public bool Generate { get; set; }
    }
}
