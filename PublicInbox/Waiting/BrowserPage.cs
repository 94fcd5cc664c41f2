using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Extensions.WebEncoders;

namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>What <c>Pages/Wait/Message.cshtml</c> shows: a title, one paragraph and an optional 「重新登录」 link.</summary>
public sealed record MessagePageModel(string Title, string Text, string? RetryUrl);

/// <summary>What <c>Pages/Wait/Waiting.cshtml</c> (the 「正在登录…」 page) needs.</summary>
/// <param name="Id">Item id; the page's script polls <c>/wx/wait/{Id}/status</c>.</param>
/// <param name="TimeoutSeconds">Login timeout shown to the user.</param>
/// <param name="RetryUrl">Where 「重新登录」 goes.</param>
public sealed record WaitingPageModel(long Id, int TimeoutSeconds, string RetryUrl);

/// <summary>
/// A page for the user's browser (mobile-first, Chinese, WeChat's in-app browser): a Razor view under <c>Pages/Wait</c>
/// answered from a minimal-API handler, with a strict nonce-based Content-Security-Policy, no caching and no referrer.
/// </summary>
public sealed class BrowserPage : IResult
{
    private readonly string _view;
    private readonly object _model;
    private readonly int _statusCode;

    private BrowserPage(string view, object model, int statusCode)
    {
        _view = view;
        _model = model;
        _statusCode = statusCode;
    }

    /// <summary>A page with a title, one paragraph and an optional 「重新登录」 link.</summary>
    public static BrowserPage Message(int statusCode, string title, string text, string? retryUrl) =>
        new("/Pages/Wait/Message.cshtml", new MessagePageModel(title, text, retryUrl), statusCode);

    /// <summary>The 「正在登录…」 page of item <paramref name="id"/>.</summary>
    public static BrowserPage Waiting(long id, TimeSpan timeout, string retryUrl) =>
        new("/Pages/Wait/Waiting.cshtml", new WaitingPageModel(id, (int)timeout.TotalSeconds, retryUrl), StatusCodes.Status200OK);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        PageHeaders.Apply(httpContext);

        var view = new ViewResult
        {
            ViewName = _view,
            StatusCode = _statusCode,
            ViewData = new ViewDataDictionary(httpContext.RequestServices.GetRequiredService<IModelMetadataProvider>(), new ModelStateDictionary()) { Model = _model },
        };
        return view.ExecuteResultAsync(new ActionContext(httpContext, httpContext.GetRouteData(), new ActionDescriptor()));
    }
}

/// <summary>Registration of what the browser pages are rendered with.</summary>
public static class BrowserPageExtensions
{
    public static IServiceCollection AddBrowserPages(this IServiceCollection services)
    {
        services.AddRazorPages();
        // Note: the default encoder writes every Chinese character as &#x…; — correct but three times the bytes.
        // Markup characters (<, >, &, quotes) are encoded whatever the allowed ranges.
        services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        return services;
    }
}
