using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Weixin.Inbox.CrmApp.Pages;

/// <summary>Shown for error status codes (re-executed) and unhandled exceptions, in Chinese.</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "出错了";
    public string Text { get; private set; } = "服务器出错了，请稍后再试。";

    public void OnGet(int? code) => Describe(code);

    // Note: a re-executed POST (e.g. a form without its antiforgery token) arrives here as a POST.
    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        (Title, Text) = code switch
        {
            400 => ("请求无效", "页面可能已过期或表单不完整，请返回上一页刷新后重试。"),
            403 => ("没有权限", "您没有权限访问此页面。"),
            404 => ("页面不存在", "您访问的页面不存在或已被删除。"),
            405 => ("请求无效", "不支持这种访问方式，请从页面上的按钮进入。"),
            _ => ("出错了", "服务器出错了，请稍后再试。"),
        };
    }
}
