using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using Weixin.Inbox.ServiceDefaults;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// The clients (relying parties), kept by OpenIddict's application manager in <c>oidc_applications</c> (secrets only as
/// hashes: the manager hashes them). Clients of <c>Oidc:Clients</c> are checked at every start and written when new or
/// changed (a client removed from the configuration is deleted); <c>oidc-client add</c> adds others, which the configuration leaves alone.
/// Every client: authorization code flow only, PKCE (S256) required, redirect URIs matched exactly (OpenIddict compares
/// the whole string), explicit consent, scopes <c>openid profile</c> (and <c>offline_access</c> when refresh tokens are allowed).
/// </summary>
public sealed class ClientRegistry(IOpenIddictApplicationManager applications, ILogger<ClientRegistry> logger)
{
    /// <summary>Application property: the subject type (<see cref="SubjectTypes"/>).</summary>
    public const string SubjectProperty = "subject_type";

    /// <summary>Application property: the pairwise sector.</summary>
    public const string SectorProperty = "sector";

    /// <summary>Application property: where the client came from (<c>config</c> or <c>command</c>).</summary>
    public const string SourceProperty = "source";

    /// <summary>Writes the configured clients that are new or changed and deletes configured clients no longer in the configuration.</summary>
    public async Task SyncAsync(IReadOnlyList<OidcClientSettings> clients, CancellationToken cancellationToken)
    {
        foreach (var client in clients)
        {
            var descriptor = Describe(client, client.Secret, "config");
            var existing = await applications.FindByClientIdAsync(client.Id, cancellationToken);
            if (existing is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
                logger.LogInformation("OIDC client {ClientId} added from the configuration", client.Id);
            }
            else if (!await IsCurrentAsync(existing, descriptor, cancellationToken))
            {
                // Note: the configuration is the truth for these clients: every field is replaced, the secret hashed again.
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
                logger.LogInformation("OIDC client {ClientId} updated from the configuration", client.Id);
            }
        }

        var configured = clients.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var stale = new List<object>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            var properties = await applications.GetPropertiesAsync(application, cancellationToken);
            var id = await applications.GetClientIdAsync(application, cancellationToken);
            if (properties.TryGetValue(SourceProperty, out var source) && source.ValueKind == JsonValueKind.String && source.GetString() == "config"
                && id is not null && !configured.Contains(id))
            {
                stale.Add(application);
            }
        }

        foreach (var application in stale)
        {
            logger.LogInformation("OIDC client {ClientId} deleted: no longer in the configuration", await applications.GetClientIdAsync(application, cancellationToken));
            await applications.DeleteAsync(application, cancellationToken);
        }
    }

    /// <summary>
    /// True when the stored client already is what the configuration describes, secret included: then nothing is written.
    /// </summary>
    /// <remarks>
    /// Note: every start of every instance used to rewrite every configured client (a new salt for the secret, a new
    /// concurrency token): writes nobody needed, instances starting together raced on them, and EF Core's update pipeline
    /// was compiled on the start path (~0.13 s of the provider's first second; issue 14). Every field of the descriptor is
    /// compared (<see cref="SameFields"/>); the secret by OpenIddict's own check of the stored hash.
    /// </remarks>
    private async Task<bool> IsCurrentAsync(object application, OpenIddictApplicationDescriptor wanted, CancellationToken cancellationToken)
    {
        var stored = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(stored, application, cancellationToken);
        if (!SameFields(stored, wanted))
        {
            return false;
        }

        // Note: a public client has no secret; a confidential one's stored hash must match the configured secret.
        return wanted.ClientSecret is null
            ? stored.ClientSecret is null
            : stored.ClientSecret is not null && await applications.ValidateClientSecretAsync(application, wanted.ClientSecret, cancellationToken);
    }

    /// <summary>
    /// Every field of <see cref="OpenIddictApplicationDescriptor"/> but the secret (a hash on one side, the secret on the
    /// other); ClientSyncTests changes each of the descriptor's fields once and fails on a field this does not compare.
    /// </summary>
    public static bool SameFields(OpenIddictApplicationDescriptor stored, OpenIddictApplicationDescriptor wanted) =>
        stored.ApplicationType == wanted.ApplicationType
        && stored.ClientId == wanted.ClientId
        && stored.ClientType == wanted.ClientType
        && stored.ConsentType == wanted.ConsentType
        && stored.DisplayName == wanted.DisplayName
        && stored.DisplayNames.Count == wanted.DisplayNames.Count && !stored.DisplayNames.Except(wanted.DisplayNames).Any()
        && stored.JsonWebKeySet is null && wanted.JsonWebKeySet is null
        && stored.Permissions.SetEquals(wanted.Permissions)
        && SameUris(stored.PostLogoutRedirectUris, wanted.PostLogoutRedirectUris)
        && SameUris(stored.RedirectUris, wanted.RedirectUris)
        && stored.Requirements.SetEquals(wanted.Requirements)
        && stored.Settings.Count == wanted.Settings.Count && !stored.Settings.Except(wanted.Settings).Any()
        && stored.Properties.Count == wanted.Properties.Count
        // Note: by value, not by text: OpenIddict stores the JSON with relaxed escaping, the serializer escapes non-ASCII.
        && stored.Properties.All(p => wanted.Properties.TryGetValue(p.Key, out var value) && JsonElement.DeepEquals(p.Value, value));

    // Note: as strings, as OpenIddict matches them (Uri.Equals would overlook user info and letter case in places).
    private static bool SameUris(HashSet<Uri> a, HashSet<Uri> b) =>
        a.Select(u => u.OriginalString).ToHashSet(StringComparer.Ordinal).SetEquals(b.Select(u => u.OriginalString));

    /// <summary>Adds a client (the <c>oidc-client add</c> command); answers the generated secret of a confidential one.</summary>
    public async Task<string?> AddAsync(OidcClientSettings client, CancellationToken cancellationToken)
    {
        // Note: 32 random bytes: a secret nobody chose and nobody can guess; shown once, stored only as a hash.
        var secret = client.Public ? null : Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        await applications.CreateAsync(Describe(client, secret, "command"), cancellationToken);
        logger.LogInformation("OIDC client {ClientId} added by command", client.Id);
        return secret;
    }

    /// <summary>True when a client of that id exists.</summary>
    public async Task<bool> ExistsAsync(string clientId, CancellationToken cancellationToken) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is not null;

    /// <summary>The subject type and sector of an application.</summary>
    public async Task<(string SubjectType, string Sector)> SubjectOfAsync(object application, CancellationToken cancellationToken)
    {
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        var clientId = await applications.GetClientIdAsync(application, cancellationToken) ?? "";
        var type = properties.TryGetValue(SubjectProperty, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : SubjectTypes.Pairwise;
        var sector = properties.TryGetValue(SectorProperty, out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } v ? v : clientId;
        return (type, sector);
    }

    private static OpenIddictApplicationDescriptor Describe(OidcClientSettings client, string? secret, string source)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.Id,
            DisplayName = string.IsNullOrWhiteSpace(client.DisplayName) ? client.Id : client.DisplayName,
            ClientType = client.Public ? ClientTypes.Public : ClientTypes.Confidential,
            ClientSecret = client.Public ? null : secret,
            ApplicationType = ApplicationTypes.Web,
            // Note: explicit: the consent page is shown once per user and client, then remembered (a permanent authorization).
            ConsentType = ConsentTypes.Explicit,
        };
        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        foreach (var uri in client.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        descriptor.Permissions.UnionWith(
        [
            Permissions.Endpoints.Authorization,
            Permissions.Endpoints.Token,
            Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode,
            Permissions.ResponseTypes.Code,
            Permissions.Scopes.Profile,
        ]);
        if (!client.Public)
        {
            // Note: a confidential client (a server) may ask whether a token is active and meant for it; a public one has no credentials to ask with.
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        if (client.AllowRefreshTokens)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        // Note: on top of the server-wide RequireProofKeyForCodeExchange, so a client stays PKCE-only even if that changed.
        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        descriptor.Properties[SubjectProperty] = JsonSerializer.SerializeToElement(client.Subject);
        descriptor.Properties[SectorProperty] = JsonSerializer.SerializeToElement(client.Sector);
        descriptor.Properties[SourceProperty] = JsonSerializer.SerializeToElement(source);
        return descriptor;
    }
}

/// <summary>
/// Writes the configured clients in the background while the provider starts and listens; until that is done, <see cref="ClientSyncGate"/>
/// holds every request but the probes and <c>/readyz</c> says <c>clients: writing</c>.
/// </summary>
/// <remarks>
/// Note: no longer before listening (it was an ordinary hosted service, awaited): the first use of the database (EF Core builds the
/// model of OpenIddict's entities, compiles the first queries) took ~0.8 s of the provider's 1.6-2.4 s to its first
/// answer, the one service over issue 14's "healthy within 2 s". Security is unchanged: a request that could look up a
/// client (authorize, token, introspection, end session, the pages) waits for the sync, so none meets a missing client
/// or one removed from the configuration. A sync that fails stops the provider (exit code 1), as before: it must not
/// serve with an unknown client list.
/// </remarks>
public sealed class ClientSync(
    IServiceScopeFactory scopes, IOptions<OidcOptions> options, IHostApplicationLifetime lifetime, ILogger<ClientSync> logger) : IHostedService
{
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the clients are written; faults when the sync gave up.</summary>
    public Task Written => _written.Task;

    private Task _running = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Note: started at once, not awaited: it runs on the second core while Quartz and Kestrel start.
        _running = Task.Run(() => RunAsync(lifetime.ApplicationStopping), CancellationToken.None);
        return Task.CompletedTask;
    }

    // Note: a stop during the sync waits for it to see the cancellation, before the services it uses are disposed.
    public Task StopAsync(CancellationToken cancellationToken) => _running.WaitAsync(cancellationToken);

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<ClientRegistry>().SyncAsync(options.Value.Clients, stopping);
                    break;
                }
                catch (Exception ex) when (attempt < 3 && ex is OpenIddictExceptions.ConcurrencyException or Microsoft.EntityFrameworkCore.DbUpdateException)
                {
                    // Note: instances starting together write the same clients; the loser of a race reads the winner's rows and goes again.
                    logger.LogWarning("Another instance wrote the clients at the same time ({Error}); writing them again", ex.GetType().Name);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), stopping);
                }
            }

            logger.LogInformation("OIDC clients of the configuration written ({Count}); logins are answered", options.Value.Clients.Count);
            _written.TrySetResult();
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Note: whatever the stop made the sync throw (a cancellation, a disposed service): a stop, not a failure.
            _written.TrySetCanceled(stopping);
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "Could not write the OIDC clients of the configuration; stopping: logins must not be answered with an unknown client list");
            _written.TrySetException(ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}

/// <summary>
/// Holds requests until <see cref="ClientSync"/> has written the clients (at most <see cref="WaitLimit"/>, then 503 and
/// the Chinese error page); the probes, <c>/metrics</c> and the error page itself pass at once.
/// </summary>
public static class ClientSyncGate
{
    /// <summary>How long a request waits for the clients before it is answered 503.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    /// <summary>The <c>/readyz</c> check: <c>clients</c> is <c>written</c>, <c>writing</c> or <c>failed</c>.</summary>
    public const string Check = "clients";

    public static WebApplication UseClientSyncGate(this WebApplication app)
    {
        var sync = app.Services.GetRequiredService<ClientSync>();
        app.Use(async (http, next) =>
        {
            if (!sync.Written.IsCompletedSuccessfully && !PassesAtOnce(http.Request.Path))
            {
                try
                {
                    await sync.Written.WaitAsync(WaitLimit, http.RequestAborted);
                }
                catch (Exception) when (!http.RequestAborted.IsCancellationRequested)
                {
                    // Note: the limit, or a sync that gave up; checked again below (the limit may race the completion).
                }

                if (!sync.Written.IsCompletedSuccessfully)
                {
                    // Note: no body: the status code pages show the Chinese 503 page (服务暂时不可用).
                    http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    http.Response.Headers.RetryAfter = "2";
                    return;
                }
            }

            await next(http);
        });
        return app;
    }

    private static bool PassesAtOnce(PathString path) => IdpPagesExtensions.IsProbe(path) || path.StartsWithSegments("/error");

    /// <summary>Registers <see cref="ClientSync"/> (a hosted service) and its readiness check.</summary>
    public static IServiceCollection AddClientSync(this IServiceCollection services)
    {
        services.AddSingleton<ClientSync>();
        services.AddHostedService(sp => sp.GetRequiredService<ClientSync>());
        services.AddHealthChecks().AddCheck<ClientSyncHealthCheck>(Check, HealthStatus.Unhealthy, [HealthCheckExtensions.ReadyTag]);
        return services;
    }
}

/// <summary>Not ready until the clients are written.</summary>
public sealed class ClientSyncHealthCheck(ClientSync sync) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(sync.Written.Status switch
        {
            TaskStatus.RanToCompletion => HealthCheckResult.Healthy(data: State("written")),
            TaskStatus.Faulted or TaskStatus.Canceled => HealthCheckResult.Unhealthy(data: State("failed")),
            _ => HealthCheckResult.Unhealthy(data: State("writing")),
        });

    private static Dictionary<string, object> State(string state) => new() { [HealthCheckExtensions.StateKey] = state };
}
