using System.Security.Cryptography;

namespace Weixin.Inbox.Testing;

/// <summary>One client the test provider knows (<c>Oidc:Clients:N:*</c>).</summary>
/// <param name="Id">The client_id.</param>
/// <param name="Secret">The secret of a confidential client; null for a public one.</param>
/// <param name="RedirectUri">Its one registered redirect URI (nobody listens there: tests read the redirect, never follow it).</param>
/// <param name="PostLogoutRedirectUri">Its registered post-logout redirect URI.</param>
/// <param name="DisplayName">The name on the consent page.</param>
/// <param name="Subject">pairwise (default), public or openid.</param>
/// <param name="AllowRefreshTokens">May ask for refresh tokens (scope offline_access).</param>
public sealed record IdpClient(string Id, string? Secret, string RedirectUri, string PostLogoutRedirectUri, string DisplayName, string Subject = "pairwise", bool AllowRefreshTokens = false);

/// <summary>
/// The login pipeline (<see cref="LoginSystem"/>) with the IdentityProvider as the LAN app: its own throwaway
/// <c>weixin_idp</c> database (migrated by <c>IdentityProvider.dll migrate</c>), the poller's second gateway client
/// <c>idp</c> with a key of its own, and the provider's process on a free port with the test clients below.
/// </summary>
public sealed class IdpSystem : IAsyncDisposable
{
    private IdpSystem(LoginSystem login, ServiceProcess idp, string idpDatabase, IReadOnlyDictionary<string, string> settings, IReadOnlyList<IdpClient> clients)
    {
        Login = login;
        Idp = idp;
        IdpDatabase = idpDatabase;
        Settings = settings;
        Clients = clients;
    }

    public LoginSystem Login { get; }
    public ServiceProcess Idp { get; }
    public string IdpDatabase { get; }

    /// <summary>The settings the provider runs with (for commands such as <c>signing-key rotate</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>
    /// The clients: <c>alpha</c> and <c>beta</c> (confidential), <c>gamma</c> (public), <c>raw</c> (confidential, subject
    /// openid), <c>delta</c> (confidential, refresh tokens allowed).
    /// </summary>
    public IReadOnlyList<IdpClient> Clients { get; }

    public IdpClient Client(string id) => Clients.Single(c => c.Id == id);

    public Uri BaseAddress => Idp.BaseAddress;

    /// <summary>The issuer as configured (with the trailing slash).</summary>
    public string Issuer => new Uri(Idp.BaseAddress, "/").ToString();

    /// <param name="idpSettings">Extra provider settings (environment names), applied over the defaults.</param>
    public static async Task<IdpSystem> StartAsync(string? name = null, IReadOnlyDictionary<string, string>? idpSettings = null)
    {
        var idpPort = TestEnvironment.FreePort();
        var idpBase = new Uri($"http://127.0.0.1:{idpPort}/");
        var idpKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var login = await LoginSystem.StartAsync(new LoginSystemSettings
        {
            AppBaseAddress = idpBase,
            // Note: the provider is the gateway's second client (the first, crm, is the LoginSystem's own), as in the demo.
            PollerEnvironment = new Dictionary<string, string>
            {
                ["GatewaySigning__Clients__1__Id"] = "idp",
                ["GatewaySigning__Clients__1__Keys__0"] = idpKey,
            },
        }, name);
        var database = login.Database;
        var idpDatabase = database.Prefix + "_idp";
        var logPrefix = name ?? database.Prefix;
        var rpPort = TestEnvironment.FreePort();
        string Rp(string path) => $"http://127.0.0.1:{rpPort}{path}";
        IdpClient[] clients =
        [
            new("alpha", "alpha-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Rp("/alpha/signin-oidc"), Rp("/alpha/signed-out"), "阿尔法应用"),
            new("beta", "beta-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Rp("/beta/signin-oidc"), Rp("/beta/signed-out"), "贝塔应用"),
            new("gamma", null, Rp("/gamma/signin-oidc"), Rp("/gamma/signed-out"), "伽马应用"),
            new("raw", "raw-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Rp("/raw/signin-oidc"), Rp("/raw/signed-out"), "原始应用", "openid"),
            new("delta", "delta-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Rp("/delta/signin-oidc"), Rp("/delta/signed-out"), "德尔塔应用", AllowRefreshTokens: true),
        ];
        ServiceProcess? idp = null;
        try
        {
            await database.ExecuteAsync(null, $"""
                CREATE DATABASE `{idpDatabase}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
                GRANT SELECT, INSERT, UPDATE, DELETE ON `{idpDatabase}`.* TO '{database.User}'@'127.0.0.1';
                """);
            await ServiceProcess.RunToCompletionAsync("IdentityProvider",
                new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = TestDatabase.AdminConnection(idpDatabase) }, "migrate");

            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Idp"] = database.ServiceConnection(idpDatabase),
                ["Oidc__Issuer"] = idpBase.ToString(),
                ["Oidc__SubjectKey"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                ["Gateway__BaseUrl"] = login.Poller.BaseAddress.ToString(),
                ["Gateway__ClientId"] = "idp",
                ["Gateway__ClientKey"] = idpKey,
                ["Gateway__PublicBaseUrl"] = idpBase.ToString().TrimEnd('/'),
                // Note: a rotation (another instance's, the command's) is picked up within a second, and signs at once.
                ["Keys__CheckInterval"] = "00:00:01",
                ["Keys__PublishAhead"] = "00:00:00",
            };
            for (var i = 0; i < clients.Length; i++)
            {
                var client = clients[i];
                environment[$"Oidc__Clients__{i}__Id"] = client.Id;
                environment[$"Oidc__Clients__{i}__DisplayName"] = client.DisplayName;
                environment[$"Oidc__Clients__{i}__RedirectUris__0"] = client.RedirectUri;
                environment[$"Oidc__Clients__{i}__PostLogoutRedirectUris__0"] = client.PostLogoutRedirectUri;
                environment[$"Oidc__Clients__{i}__Subject"] = client.Subject;
                environment[$"Oidc__Clients__{i}__AllowRefreshTokens"] = client.AllowRefreshTokens ? "true" : "false";
                if (client.Secret is null)
                {
                    environment[$"Oidc__Clients__{i}__Public"] = "true";
                }
                else
                {
                    environment[$"Oidc__Clients__{i}__Secret"] = client.Secret;
                }
            }

            foreach (var (key, value) in idpSettings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }

            idp = new ServiceProcess("idp", "IdentityProvider", idpPort, environment, logPrefix);
            await idp.StartAsync();
            return new IdpSystem(login, idp, idpDatabase, environment, clients);
        }
        catch
        {
            // Note: a half-started system must not leave processes or databases behind.
            if (idp is not null)
            {
                await idp.DisposeAsync();
            }

            await DropAsync(database, idpDatabase);
            await login.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the provider and starts it again on the same port, database and settings (a restart or a redeploy).</summary>
    public async Task RestartAsync()
    {
        await Idp.KillAsync();
        await Idp.StartAsync();
    }

    /// <summary>Runs a provider command (e.g. <c>signing-key rotate</c>) with the provider's settings; answers what it printed.</summary>
    public Task<CommandResult> RunCommandAsync(params string[] args) => ServiceCommand.RunAsync("IdentityProvider", Settings, args);

    public async ValueTask DisposeAsync()
    {
        await Idp.DisposeAsync();
        await DropAsync(Login.Database, IdpDatabase);
        await Login.DisposeAsync();
    }

    private static async Task DropAsync(TestDatabase database, string idpDatabase)
    {
        if (Environment.GetEnvironmentVariable("WX_KEEP_TEST_DATABASES") != "1")
        {
            await database.ExecuteAsync(null, $"DROP DATABASE IF EXISTS `{idpDatabase}`;");
        }
    }
}
