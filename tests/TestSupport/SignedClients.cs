using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.Testing;

/// <summary>HTTP clients that sign as our services sign, for tests and benches that play one side of a signed API.</summary>
public static class SignedClients
{
    /// <summary>A client of the inbox's <c>/poller/v1</c> API, signed with <paramref name="pollerKey"/> as the intranet poller signs.</summary>
    public static HttpClient Poller(string pollerKey, Uri inboxBaseAddress, int maxConnections = int.MaxValue)
    {
        // Note: the options live as long as the handler that reads them; a small provider holds nothing to dispose.
        var services = new ServiceCollection();
        services.AddOptions<SigningOptions>("PollerSigning").Configure(o => o.Keys = [pollerKey]);
        var monitor = services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<SigningOptions>>();
        return new HttpClient(new SigningHandler(monitor, "PollerSigning", TimeProvider.System)
        {
            InnerHandler = new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections },
        })
        { BaseAddress = inboxBaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }
}
