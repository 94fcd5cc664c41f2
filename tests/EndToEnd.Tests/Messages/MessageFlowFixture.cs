using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Messages;

/// <summary>One running system for message tests; WeChat's 5 s timeout and the inbox's 4 s wait as in production.</summary>
public sealed class MessageFlowFixture : IAsyncLifetime
{
    public LoginSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await LoginSystem.StartAsync(new LoginSystemSettings(), "messages");

    public async Task DisposeAsync() => await System.DisposeAsync();
}
