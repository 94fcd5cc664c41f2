using Microsoft.AspNetCore.Http;
using Serilog.Core;
using Serilog.Events;
using Weixin.Inbox.Contracts.Diagnostics;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// Endpoint metadata naming route values that are secrets (a login id in <c>/gateway/v1/logins/{loginId}/redeem</c>):
/// the request log line shows them as their <see cref="LogRef"/> tag instead of the value.
/// </summary>
public sealed class SecretRouteValues(params string[] names)
{
    /// <summary>The route value names to hide.</summary>
    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>The request path as logged: each secret route value replaced by its tag.</summary>
    public static string LoggedPath(HttpContext http, string requestPath)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<SecretRouteValues>() is not { } secret)
        {
            return requestPath;
        }

        foreach (var name in secret.Names)
        {
            if (http.Request.RouteValues.TryGetValue(name, out var value) && value is string { Length: > 0 } text)
            {
                requestPath = requestPath.Replace(text, LogRef.Of(text), StringComparison.Ordinal);
            }
        }

        return requestPath;
    }

    /// <summary>The request-logging properties of Serilog's default template, with the path as <see cref="LoggedPath"/>.</summary>
    public static IEnumerable<LogEventProperty> TemplateProperties(HttpContext http, string requestPath, double elapsedMs, int statusCode) =>
    [
        new("RequestMethod", new ScalarValue(http.Request.Method)),
        new("RequestPath", new ScalarValue(LoggedPath(http, requestPath))),
        new("StatusCode", new ScalarValue(statusCode)),
        new("Elapsed", new ScalarValue(elapsedMs)),
    ];

    /// <summary>
    /// Hides secret route values in the <c>RequestPath</c> property the framework's request scope puts on every line
    /// written during a request.
    /// </summary>
    public sealed class PathEnricher(IHttpContextAccessor accessor) : ILogEventEnricher
    {
        /// <inheritdoc />
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            if (accessor.HttpContext is { } http
                && logEvent.Properties.TryGetValue("RequestPath", out var value)
                && value is ScalarValue { Value: string path })
            {
                var logged = LoggedPath(http, path);
                if (!ReferenceEquals(logged, path))
                {
                    logEvent.AddOrUpdateProperty(new LogEventProperty("RequestPath", new ScalarValue(logged)));
                }
            }
        }
    }
}
