using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Pages;

/// <summary>
/// Shown for error status codes (re-executed) and unhandled exceptions, in Chinese. An OpenID Connect error that cannot
/// go back to the client (unknown client_id, a redirect_uri not registered exactly) lands here too, through OpenIddict's
/// status code pages integration: the browser is never redirected to an address nobody registered.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "出错了";
    public string Text { get; private set; } = "服务器出错了，请稍后再试。";

    public void OnGet(int? code) => Describe(code);

    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        // Note: only the error code is shown (a fixed text per code), never the description: it may echo request values.
        var oidcError = HttpContext.GetOpenIddictServerResponse()?.Error;
        (Title, Text) = (code, oidcError) switch
        {
            (_, Errors.InvalidClient or Errors.InvalidRequest or Errors.InvalidRequestUri) =>
                ("登录请求无效", "应用发来的登录请求有误（应用或其回调地址没有在微信身份登录服务登记），未登录，也没有跳转回应用。请联系该应用的管理员。"),
            (_, { Length: > 0 }) => ("登录请求无效", "应用发来的登录请求有误，未登录。请联系该应用的管理员。"),
            (400, _) => ("请求无效", "页面可能已过期或表单不完整，请返回应用重新登录。"),
            (403, _) => ("没有权限", "您没有权限访问此页面。"),
            (404, _) => ("页面不存在", "您访问的页面不存在。"),
            (405, _) => ("请求无效", "不支持这种访问方式。"),
            (503, _) => ("服务暂时不可用", "微信身份登录服务正在启动或暂时无法访问数据库，请几秒后刷新本页面。"),
            _ => ("出错了", "服务器出错了，请稍后再试。"),
        };
    }
}
