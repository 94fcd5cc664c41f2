using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.CrmApp.Devices;

namespace Weixin.Inbox.CrmApp.Pages.Account;

/// <summary>
/// <c>/account</c> (「我的」): the signed-in user's profile and WeChat binding, with 「解除绑定」, and the devices WeChat
/// logins go straight in on, with 「移除」 (the next WeChat login there asks for the number again).
/// </summary>
public sealed class IndexModel(CrmDbContext db, DeviceStore devices, ILogger<IndexModel> logger) : PageModel
{
    public Profile Me { get; private set; } = null!;

    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    [TempData]
    public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var me = await Query(CurrentAccount.Id(User));
        if (me is null)
        {
            return Redirect("/login");
        }

        Me = me;
        Devices = await devices.ListAsync(HttpContext, CurrentAccount.Id(User));
        return Page();
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
        var changed = await db.Accounts.Where(a => a.Id == id && a.WeixinOpenId != null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(a => a.WeixinOpenId, (string?)null)
                .SetProperty(a => a.WeixinNickname, (string?)null)
                .SetProperty(a => a.WeixinHeadImgUrl, (string?)null)
                .SetProperty(a => a.WeixinBoundAt, (DateTime?)null), HttpContext.RequestAborted);
        if (changed > 0)
        {
            // Note: the devices were known for the WeChat user just unbound; the next one bound confirms its own.
            await devices.ForgetAllAsync(id, HttpContext.RequestAborted);
            logger.LogInformation("Account {AccountId} unbound its WeChat user", id);
            Notice = "已解除微信绑定。之后用微信登录时，可以重新绑定账号。";
        }

        return RedirectToPage();
    }

    private Task<Profile?> Query(int id) => db.Accounts.AsNoTracking()
        .Where(a => a.Id == id)
        .Select(a => new Profile(a.UserName, a.DisplayName, a.CreatedAt, a.LastLoginAt, a.WeixinOpenId != null, a.WeixinNickname, a.WeixinHeadImgUrl, a.WeixinBoundAt))
        .SingleOrDefaultAsync(HttpContext.RequestAborted);

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
