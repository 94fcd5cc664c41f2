using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Data;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>
/// The one end of every WeChat login (phone OAuth ticket, desktop 扫码登录, number confirmation), so the desktop
/// continues exactly like the phone: a bound WeChat user is signed in and goes where they were going; an unknown
/// one goes on to 「绑定已有账号」/「新建账号」 with the identity in the protected identity cookie.
/// </summary>
public sealed class WeixinLoginCompletion(CrmDbContext db, AccountSignIn signIn, WeixinLoginCookies cookies, ILogger<WeixinLoginCompletion> logger)
{
    /// <summary>The bind page (「绑定已有账号」/「新建账号」).</summary>
    public const string BindPage = "/login/weixin/bind";

    /// <summary>
    /// Finishes the login of <paramref name="user"/> (whose identity the gateway vouched for with a redeemed ticket)
    /// and answers the local URL the browser goes to next.
    /// </summary>
    /// <param name="http">The request (its response gets the cookies).</param>
    /// <param name="user">The WeChat user of the redeemed ticket.</param>
    /// <param name="returnUrl">Where the login was going (checked to be local before it is followed).</param>
    /// <param name="confirmedByNumber">True when the user also confirmed this login with the two-digit number in the
    /// 公众号 chat (scan logins always do).</param>
    /// <param name="returnUrlCheck">The page's URL helper, to keep only local return URLs.</param>
    public async Task<string> CompleteAsync(HttpContext http, WeixinUser user, string returnUrl, bool confirmedByNumber, Microsoft.AspNetCore.Mvc.IUrlHelper returnUrlCheck)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.WeixinOpenId == user.OpenId, http.RequestAborted);
        if (account is null)
        {
            logger.LogInformation("WeChat user {OpenId} is not bound yet; on to the bind page (confirmed by number: {Confirmed})", user.OpenId, confirmedByNumber);
            cookies.SetIdentity(http, new PendingIdentity(user.OpenId, user.Nickname, user.HeadImgUrl, returnUrl));
            return BindPage;
        }

        account.WeixinNickname = WeixinProfile.Nickname(user.Nickname);
        account.WeixinHeadImgUrl = WeixinProfile.AvatarUrl(user.HeadImgUrl);
        var target = ReturnUrls.LocalOrHome(returnUrlCheck, returnUrl);
        await signIn.SignInAsync(http, account, "weixin", target);
        return target;
    }
}
