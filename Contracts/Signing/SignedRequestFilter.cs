using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// Endpoint metadata: requests must be signed with the keys of the named <see cref="SigningOptions"/>, or, when
/// <paramref name="PerClient"/>, with the keys of the client they name in the named <see cref="SigningClientsOptions"/>.
/// </summary>
public sealed record SignedRequestMetadata(string OptionsName, bool PerClient = false);

/// <summary>The client a verified request came from (APIs with per-client keys).</summary>
public static class SignedRequestClient
{
    internal const string ItemKey = "Weixin.Inbox.SignedRequest.Client";

    /// <summary>The verified client id of the request, or null when the endpoint has no per-client keys.</summary>
    public static string? Of(HttpContext http) => http.Items.TryGetValue(ItemKey, out var client) ? client as string : null;
}

/// <summary>
/// Verifies signed requests before the endpoint runs. It must be middleware, not an endpoint filter:
/// minimal APIs read a JSON body into its parameter before filters run, so a filter would see no body.
/// </summary>
public sealed class SignedRequestMiddleware(RequestDelegate next, ILogger<SignedRequestMiddleware> logger)
{
    /// <summary>Largest signed body accepted, in bytes (1 MiB).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    internal const string VerifiedItemKey = "Weixin.Inbox.SignedRequest.Verified";

    /// <summary>Runs the check for endpoints carrying <see cref="SignedRequestMetadata"/>.</summary>
    public async Task InvokeAsync(HttpContext http)
    {
        var metadata = http.GetEndpoint()?.Metadata.GetMetadata<SignedRequestMetadata>();
        if (metadata is null)
        {
            await next(http);
            return;
        }

        var failure = await VerifyAsync(http, metadata);
        if (failure is { } result)
        {
            await result.ExecuteAsync(http);
            return;
        }

        http.Items[VerifiedItemKey] = metadata.OptionsName;
        if (SignedRequestClient.Of(http) is { } client)
        {
            // Note: every line the endpoint logs says which LAN application asked.
            using (logger.BeginScope(new Dictionary<string, object> { ["ClientId"] = client }))
            {
                await next(http);
            }

            return;
        }

        await next(http);
    }

    private async Task<IResult?> VerifyAsync(HttpContext http, SignedRequestMetadata metadata)
    {
        var services = http.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var id = http.Request.Headers[SignedRequestHeaders.Id].ToString();
        var claimedClient = http.Request.Headers[SignedRequestHeaders.Client].ToString();
        RequestVerifier verifier;
        if (metadata.PerClient)
        {
            // Note: the claimed client picks the keys, and the client id is part of the signed string: a request signed
            // with client A's key that names client B is checked against B's keys and refused.
            var clients = services.GetRequiredService<IOptionsMonitor<SigningClientsOptions>>().Get(metadata.OptionsName);
            if (!SigningClient.IsValidId(claimedClient) || clients.Find(claimedClient) is not { } client)
            {
                logger.LogWarning("Refused signed request {Method} {Path} from {RemoteIp}: unknown client {ClaimedClient} (request id {RequestId})",
                    http.Request.Method, http.Request.Path.Value, http.Connection.RemoteIpAddress,
                    SigningClient.IsValidId(claimedClient) ? claimedClient : claimedClient.Length == 0 ? "(none)" : "(malformed)",
                    id.Length > 128 ? id[..128] : id);
                return Results.Problem(title: "Request signature refused.", detail: nameof(SignatureFailure.UnknownClient), statusCode: StatusCodes.Status401Unauthorized);
            }

            verifier = new RequestVerifier(client.Keys, clients.Tolerance, time, client.Id);
        }
        else
        {
            verifier = new RequestVerifier(services.GetRequiredService<IOptionsMonitor<SigningOptions>>().Get(metadata.OptionsName), time);
        }

        // Note: missing or malformed headers and a stale timestamp are refused before the body is read, so an
        // unauthenticated client cannot make the server buffer up to MaxBodyBytes per request.
        if (verifier.CheckHeaders(id, http.Request.Headers[SignedRequestHeaders.Timestamp], http.Request.Headers[SignedRequestHeaders.Signature], out _)
            is not SignatureFailure.None and var early)
        {
            return Refuse(early);
        }

        // Note: the limit must hold for chunked bodies too, so it is set on the server, not read from Content-Length.
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = MaxBodyBytes;
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        http.Request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: MaxBodyBytes);
        using var buffer = new MemoryStream();
        try
        {
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or IOException)
        {
            return TooLarge();
        }

        if (buffer.Length > MaxBodyBytes)
        {
            return TooLarge();
        }

        http.Request.Body.Position = 0;

        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (http.Request.Path + http.Request.QueryString).ToString();
        var failure = verifier.Verify(
            id,
            http.Request.Headers[SignedRequestHeaders.Timestamp],
            http.Request.Headers[SignedRequestHeaders.Signature],
            http.Request.Method,
            target,
            buffer.GetBuffer().AsSpan(0, (int)buffer.Length));

        if (failure == SignatureFailure.None
            && !await services.GetRequiredService<IReplayGuard>().TryRecordAsync(id, time.GetUtcNow() + verifier.ReplayWindow, http.RequestAborted))
        {
            failure = SignatureFailure.Replayed;
        }

        if (failure == SignatureFailure.None && metadata.PerClient)
        {
            http.Items[SignedRequestClient.ItemKey] = claimedClient;
        }

        return failure == SignatureFailure.None ? null : Refuse(failure);

        IResult Refuse(SignatureFailure reason)
        {
            // Note: never log the signature or key; the id and the reason are enough to trace a misconfigured client.
            logger.LogWarning("Refused signed request {Method} {Path} from {RemoteIp}: {Failure} (client {ClaimedClient}, request id {RequestId})",
                http.Request.Method, http.Request.Path.Value, http.Connection.RemoteIpAddress, reason,
                metadata.PerClient ? claimedClient : "(none)", id.Length > 128 ? id[..128] : id);
            return Results.Problem(title: "Request signature refused.", detail: reason.ToString(), statusCode: StatusCodes.Status401Unauthorized);
        }

        static IResult TooLarge() => Results.Problem(title: "Request body too large.", statusCode: StatusCodes.Status413PayloadTooLarge);
    }
}

/// <summary>
/// Fails closed: an endpoint marked as signed refuses every request that the middleware did not verify
/// (for example when <c>UseSignedRequests()</c> was forgotten in Program.cs).
/// </summary>
public sealed class SignedRequestFilter(string optionsName) : IEndpointFilter
{
    /// <inheritdoc />
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.Items.TryGetValue(SignedRequestMiddleware.VerifiedItemKey, out var verified) && Equals(verified, optionsName))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(Results.Problem(
            title: "Request signature was not verified.",
            detail: "The server is missing app.UseSignedRequests().",
            statusCode: StatusCodes.Status401Unauthorized));
    }
}

/// <summary>Registration helpers for signed-request verification.</summary>
public static class SignedRequestExtensions
{
    /// <summary>Requires every endpoint of the group to carry a valid signature by the named options' keys.</summary>
    public static RouteGroupBuilder RequireSignedRequests(this RouteGroupBuilder group, string optionsName)
    {
        group.WithMetadata(new SignedRequestMetadata(optionsName));
        group.AddEndpointFilter(new SignedRequestFilter(optionsName));
        return group;
    }

    /// <summary>
    /// Requires every endpoint of the group to carry a valid signature by the keys of the client the request names
    /// (<see cref="SignedRequestHeaders.Client"/>) in the named <see cref="SigningClientsOptions"/>; the endpoint reads
    /// the client with <see cref="SignedRequestClient.Of"/>.
    /// </summary>
    public static RouteGroupBuilder RequireSignedClientRequests(this RouteGroupBuilder group, string optionsName)
    {
        group.WithMetadata(new SignedRequestMetadata(optionsName, PerClient: true));
        group.AddEndpointFilter(new SignedRequestFilter(optionsName));
        return group;
    }

    /// <summary>Adds the verification middleware; call it after routing (any point in a minimal-API app's pipeline).</summary>
    public static IApplicationBuilder UseSignedRequests(this IApplicationBuilder app) => app.UseMiddleware<SignedRequestMiddleware>();

    /// <summary>Binds <see cref="SigningClientsOptions"/> under a name from a configuration section, validated at start.</summary>
    public static OptionsBuilder<SigningClientsOptions> AddSigningClients(this IServiceCollection services, string optionsName, string section) =>
        services.AddOptions<SigningClientsOptions>(optionsName)
            .BindConfiguration(section)
            .PostConfigure(o => o.Section = section)
            .ValidateDataAnnotations() // Note: also runs SigningClientsOptions.Validate (ids, key count, length, no shared key).
            .ValidateOnStart();

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
