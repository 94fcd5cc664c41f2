using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Weixin.Inbox.Contracts.Diagnostics;

/// <summary>
/// The correlation id that follows one piece of work through every service's logs: a WeChat callback from the inbox
/// (stored on the item) through the poller (claimed item) to the CRM (message hook), and a CRM request through the
/// gateway into the push outbox. It travels in the <see cref="HeaderName"/> header and is logged as the
/// <c>CorrelationId</c> property of every line written while it is current.
/// </summary>
public static class Correlation
{
    /// <summary>The HTTP header carrying the id between the parties.</summary>
    public const string HeaderName = "X-Correlation-Id";

    /// <summary>The log property name.</summary>
    public const string PropertyName = "CorrelationId";

    private static readonly AsyncLocal<string?> CurrentId = new();

    /// <summary>The id of the work under way in this async flow, or null outside any.</summary>
    public static string? Current => CurrentId.Value;

    /// <summary>A new random id (16 hex characters).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>True for 1–64 characters of <c>A–Z a–z 0–9 - _ .</c>; anything else from outside is replaced.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// Makes <paramref name="id"/> current until the result is disposed: the services' log enricher (ServiceDefaults)
    /// puts it on every line written meanwhile, and outgoing calls through <see cref="CorrelationHandler"/> send it.
    /// </summary>
    public static IDisposable Begin(string id)
    {
        var previous = CurrentId.Value;
        CurrentId.Value = id;
        return new Restore(previous);
    }

    /// <summary>
    /// Adds the middleware that takes each request's id from <see cref="HeaderName"/> (when valid) or makes a new one,
    /// makes it current for the request and echoes it in the response. Put it before request logging.
    /// </summary>
    /// <param name="app">The pipeline.</param>
    /// <param name="trustIncoming">Which requests may bring their own id (default: all). A public host should take
    /// it only from its own parties, so an outsider cannot mix its requests into someone else's trail.</param>
    public static IApplicationBuilder UseCorrelation(this IApplicationBuilder app, Func<HttpContext, bool>? trustIncoming = null) =>
        app.UseMiddleware<CorrelationMiddleware>(trustIncoming ?? (static _ => true));

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => CurrentId.Value = previous;
    }
}

/// <summary>See <see cref="Correlation.UseCorrelation"/>.</summary>
public sealed class CorrelationMiddleware(RequestDelegate next, Func<HttpContext, bool> trustIncoming)
{
    /// <summary>Runs the rest of the pipeline with the request's correlation id current.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Correlation.HeaderName].ToString();
        var id = Correlation.IsValid(incoming) && trustIncoming(context) ? incoming : Correlation.NewId();
        context.Response.Headers[Correlation.HeaderName] = id;
        using (Correlation.Begin(id))
        {
            await next(context);
        }
    }
}

/// <summary>Sends the current correlation id (if any) with every request of an <see cref="HttpClient"/>.</summary>
public sealed class CorrelationHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Correlation.Current is { } id && !request.Headers.Contains(Correlation.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(Correlation.HeaderName, id);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
