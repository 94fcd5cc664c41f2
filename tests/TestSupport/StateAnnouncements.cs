using System.Net.Http.Json;
using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.Testing;

/// <summary>
/// Announces an OAuth state to a real inbox as the poller's gateway does before it hands out an authorize URL (signed
/// <c>POST /poller/v1/oauth-states</c>): tests that play WeChat's redirect with a state of their own call this first,
/// so the inbox's check stays on for them.
/// </summary>
public static class StateAnnouncements
{
    /// <summary>Announces <paramref name="state"/> through <paramref name="signedPoller"/> (a client signed with the poller's key); default lifetime 15 min.</summary>
    public static async Task AnnounceAsync(HttpClient signedPoller, string state, TimeSpan? lifetime = null)
    {
        using var response = await signedPoller.PostAsJsonAsync("/poller/v1/oauth-states",
            new AnnounceStateRequest(OAuthStateHash.Compute(state), DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromMinutes(15))));
        response.EnsureSuccessStatusCode();
    }
}
