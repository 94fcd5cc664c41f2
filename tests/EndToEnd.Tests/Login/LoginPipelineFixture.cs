using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Login;

/// <summary>One running system (simulator, inbox, poller, MariaDB) shared by the tests of a class.</summary>
public sealed class LoginPipelineFixture : IAsyncLifetime
{
    public LoginSystem System { get; private set; } = null!;

    public async Task InitializeAsync() =>
        System = await LoginSystem.StartAsync(new LoginSystemSettings { GatewayAllowsForeignPrefix = true }, "pipeline");

    public async Task DisposeAsync() => await System.DisposeAsync();
}
