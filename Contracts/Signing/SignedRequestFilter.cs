using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>Minimal-API filter that admits only requests signed with one of the named options' keys.</summary>
public sealed class SignedRequestFilter(string optionsName) : IEndpointFilter
{
    /// <summary>Largest signed body accepted, in bytes (1 MiB).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<SignedRequestFilter>();
        var options = services.GetRequiredService<IOptionsMonitor<SigningOptions>>().Get(optionsName);
        var time = services.GetRequiredService<TimeProvider>();

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return Results.Problem(title: "Request body too large.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        http.Request.EnableBuffering(MaxBodyBytes);
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        http.Request.Body.Position = 0;

        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (http.Request.Path + http.Request.QueryString).ToString();
        var id = http.Request.Headers[SignedRequestHeaders.Id].ToString();
        var verifier = new RequestVerifier(options, time);
        var failure = verifier.Verify(
            id,
            http.Request.Headers[SignedRequestHeaders.Timestamp],
            http.Request.Headers[SignedRequestHeaders.Signature],
            http.Request.Method,
            target,
            buffer.GetBuffer().AsSpan(0, (int)buffer.Length));

        if (failure == SignatureFailure.None)
        {
            var guard = services.GetRequiredService<IReplayGuard>();
            if (!await guard.TryRecordAsync(id, time.GetUtcNow() + verifier.ReplayWindow, http.RequestAborted))
            {
                failure = SignatureFailure.Replayed;
            }
        }

        if (failure != SignatureFailure.None)
        {
            // Note: never log the signature or key; the id and the reason are enough to trace a misconfigured client.
            logger.LogWarning("Refused signed request {Method} {Path} from {RemoteIp}: {Failure} (request id {RequestId})",
                http.Request.Method, http.Request.Path.Value, http.Connection.RemoteIpAddress, failure, id.Length > 128 ? id[..128] : id);
            return Results.Problem(
                title: "Request signature refused.",
                detail: failure.ToString(),
                statusCode: StatusCodes.Status401Unauthorized);
        }

        return await next(context);
    }
}

/// <summary>Registration helpers for signed-request verification.</summary>
public static class SignedRequestExtensions
{
    /// <summary>Requires every endpoint of the group to carry a valid signature by the named options' keys.</summary>
    public static RouteGroupBuilder RequireSignedRequests(this RouteGroupBuilder group, string optionsName)
    {
        group.AddEndpointFilter(new SignedRequestFilter(optionsName));
        return group;
    }

    /// <summary>Binds <see cref="SigningOptions"/> under a name from a configuration section, validated at start.</summary>
    public static IServiceCollection AddSigningOptions(this IServiceCollection services, string optionsName, string section)
    {
        services.AddOptions<SigningOptions>(optionsName)
            .BindConfiguration(section)
            .ValidateDataAnnotations() // Note: also runs SigningOptions.Validate (key count and length).
            .ValidateOnStart();
        return services;
    }
}
