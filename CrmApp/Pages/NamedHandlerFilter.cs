using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Weixin.Inbox.CrmApp.Pages;

/// <summary>
/// Answers 400 to a POST (or any other non-GET) that names no handler the page has, e.g. <c>POST /login/weixin/bind</c>
/// without <c>?handler=Bind</c>.
/// </summary>
/// <remarks>
/// Note: Razor Pages run such a request with no handler at all and render the page as constructed: none of the loading
/// an <c>OnGet</c> or a named handler does has happened, so a page reading its model hit a NullReferenceException (500,
/// found in the demo on the bind page). Every form the CRM renders names its handler, so only a hand-made request gets here.
/// </remarks>
public sealed class NamedHandlerFilter : IPageFilter
{
    public void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
    }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var method = context.HttpContext.Request.Method;
        if (context.HandlerMethod is null && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            context.Result = new BadRequestResult();
        }
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }
}
