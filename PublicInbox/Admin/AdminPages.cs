using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>A one-paragraph page without navigation (refusals, an expired form), rendered by <c>Pages/Admin/_Notice.cshtml</c>.</summary>
public sealed record AdminNotice(string Title, string Text)
{
    private const string View = "/Pages/Admin/_Notice.cshtml";

    public static readonly AdminNotice FormExpired = new("页面已过期", "表单已过期或来源不对，请返回刷新后重试。");

    public ViewResult ToResult(HttpContext http, int statusCode) => new()
    {
        ViewName = View,
        StatusCode = statusCode,
        ViewData = new ViewDataDictionary<AdminNotice>(http.RequestServices.GetRequiredService<IModelMetadataProvider>(), new ModelStateDictionary()) { Model = this },
    };

    /// <summary>Answers with this notice from middleware, outside any page.</summary>
    public Task ExecuteAsync(HttpContext http, int statusCode) =>
        ToResult(http, statusCode).ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
}

/// <summary>
/// Razor Pages refuse a POST without a valid antiforgery token with an empty 400; the admin says why, in Chinese.
/// </summary>
public sealed class AntiforgeryNoticeFilter : IAlwaysRunResultFilter
{
    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            context.Result = AdminNotice.FormExpired.ToResult(context.HttpContext, StatusCodes.Status400BadRequest);
        }
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
