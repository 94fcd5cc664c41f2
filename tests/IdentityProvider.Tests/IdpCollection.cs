using Weixin.Inbox.Testing;

namespace Weixin.Inbox.IdentityProvider.Tests;

/// <summary>
/// One running system (simulator, inbox, poller, IdentityProvider, MariaDB) shared by every provider test; each test
/// makes its own WeChat users and browsers, so order does not matter. Classes run one after another to stay within two
/// cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class IdpCollection : ICollectionFixture<IdpFixture>
{
    public const string Name = "idp";
}

public sealed class IdpFixture : IAsyncLifetime
{
    /// <summary>Codes live this long in the tests (5 minutes in production): long enough for a test's own redeem, short enough to expire.</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(6);

    public IdpSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await IdpSystem.StartAsync("idp", new Dictionary<string, string>
    {
        ["Oidc__AuthorizationCodeLifetime"] = CodeLifetime.ToString("c"),
    });

    public async Task DisposeAsync() => await System.DisposeAsync();
}
