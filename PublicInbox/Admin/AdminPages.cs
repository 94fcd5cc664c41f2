using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>The headers of every /admin answer: a strict nonce CSP, no caching, no referrer.</summary>
public static class AdminHeaders
{
    private static readonly object NonceKey = new();

    /// <summary>The nonce of this response's CSP (the one <c>&lt;style&gt;</c> element carries it).</summary>
    public static string Nonce(HttpContext http) =>
        http.Items[NonceKey] as string ?? throw new InvalidOperationException("The admin headers were not set for this request.");

    public static void Apply(HttpContext http)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        http.Items[NonceKey] = nonce;
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        // Note: no script at all and styles only by nonce: an encoding slip that lets markup in still cannot run anything.
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }
}

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
