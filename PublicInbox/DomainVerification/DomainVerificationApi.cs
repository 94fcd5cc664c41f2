using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.PublicInbox.DomainVerification;

/// <summary>
/// Serves WeChat's domain verification file at <c>/MP_verify_&lt;id&gt;.txt</c> (GET and HEAD), exactly as configured in
/// <c>Inbox:DomainVerification</c>. Any other <c>MP_verify_*.txt</c>, and everything when none is configured, is a
/// plain 404 like every other root path: the inbox serves nothing else at its root.
/// </summary>
public static class DomainVerificationApi
{
    /// <summary>Adds the options (checked at start).</summary>
    public static WebApplicationBuilder AddDomainVerification(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DomainVerificationOptions>().BindConfiguration(DomainVerificationOptions.Section);
        return builder;
    }

    /// <summary>Maps <c>GET|HEAD /{fileName}</c> for names of WeChat's shape.</summary>
    public static WebApplication MapDomainVerification(this WebApplication app)
    {
        // Note: the route admits only the file name's shape (the same one nginx exposes), so no other root path can
        // reach the handler; the handler then compares the exact name (route constraints ignore case).
        app.MapMethods("/{fileName:regex(^MP_verify_[A-Za-z0-9]+\\.txt$)}", [HttpMethods.Get, HttpMethods.Head], Serve)
            .ExcludeFromDescription();
        return app;
    }

    private static Results<ContentHttpResult, NotFound> Serve(HttpContext http, IOptionsMonitor<DomainVerificationOptions> options)
    {
        var file = options.CurrentValue;
        // Note: the whole path, so "/MP_verify_x.txt/" (routing ignores a trailing slash) is not the file either.
        if (!file.IsConfigured || !string.Equals(http.Request.Path.Value, "/" + file.FileName, StringComparison.Ordinal))
        {
            return TypedResults.NotFound();
        }

        // Note: no-cache, so a proxy or CDN in front never answers WeChat's next check (a re-registered domain, a new
        // file) with an old content.
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(file.Content, "text/plain; charset=utf-8");
    }
}
