namespace Weixin.Inbox.Testing;

/// <summary>
/// The sample relying party (<c>tests/SampleRelyingParty</c>: Microsoft's OpenIdConnect handler and a cookie) as a real
/// process. Its port is chosen when it is created, so its redirect URIs can be registered at the provider before
/// either starts; <see cref="StartAsync"/> then points it at the provider's issuer.
/// </summary>
public sealed class SampleAppProcess : IAsyncDisposable
{
    private readonly string _logPrefix;
    private ServiceProcess? _process;

    /// <param name="clientId">The client id registered at the provider (e.g. <c>sample</c>).</param>
    /// <param name="clientSecret">Its secret; null for a public client (PKCE only).</param>
    /// <param name="logPrefix">Prefix of its log file under the test results.</param>
    public SampleAppProcess(string clientId, string? clientSecret, string logPrefix)
    {
        ClientId = clientId;
        ClientSecret = clientSecret;
        _logPrefix = logPrefix;
        Port = TestEnvironment.FreePort();
    }

    public string ClientId { get; }
    public string? ClientSecret { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>Where the provider sends the code (the handler's <c>CallbackPath</c>).</summary>
    public string RedirectUri => new Uri(BaseAddress, "/signin-oidc").ToString();

    /// <summary>Where the provider's end-session endpoint sends the browser back (the handler's <c>SignedOutCallbackPath</c>).</summary>
    public string PostLogoutRedirectUri => new Uri(BaseAddress, "/signout-callback-oidc").ToString();

    /// <summary>The page title (<c>App:Title</c>) this copy shows, so a test can tell the two apps apart.</summary>
    public string Title => "示例应用 " + ClientId;

    public string LogPath => _process?.LogPath ?? "";

    /// <summary>The built sample app (it is not one of the services under <see cref="TestEnvironment.ServiceDll"/>'s root).</summary>
    public static string Dll { get; } = Path.Combine(TestEnvironment.RepoRoot, "tests", "SampleRelyingParty", "bin", TestEnvironment.Configuration, "net10.0", "SampleRelyingParty.dll");

    /// <summary>Starts the app against the provider at <paramref name="authority"/> and waits for its <c>/healthz</c>.</summary>
    public async Task StartAsync(Uri authority)
    {
        var environment = new Dictionary<string, string>
        {
            ["Oidc__Authority"] = authority.ToString(),
            ["Oidc__ClientId"] = ClientId,
            ["Oidc__ClientSecret"] = ClientSecret ?? "",
            // Note: the tests' provider is plain http on 127.0.0.1, as in the demo.
            ["Oidc__RequireHttpsMetadata"] = "false",
            ["App__Title"] = Title,
        };
        _process = new ServiceProcess("sample-" + ClientId, "SampleRelyingParty", Port, environment, _logPrefix, Dll);
        await _process.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
