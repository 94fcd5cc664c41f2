using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Messages;

/// <summary>One running system for message tests; WeChat's 5 s timeout and the inbox's 4 s wait as in production.</summary>
public sealed class MessageFlowFixture : IAsyncLifetime
{
    public LoginSystem System { get; private set; } = null!;

    // Note: these tests show every mode working, 明文模式 included, so this poller accepts plaintext on purpose
    // (Weixin:RequireSafeMode=false, as for a 公众号 still in 明文模式); the scan-login tests sharing it rely on that to
    // show the number handler's own refusal of a plaintext number. The refusal of plaintext by default is in
    // tests/EndToEnd.Tests/Security.
    public async Task InitializeAsync() => System = await LoginSystem.StartAsync(new LoginSystemSettings { PollerRequireSafeMode = false }, "messages");

    public async Task DisposeAsync() => await System.DisposeAsync();
}
