using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Testing;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.PublicInbox.Tests.PollerApi;

/// <summary>
/// <c>POST /poller/v1/items/{id}/lease</c> over HTTP on the real PublicInbox process: signed like the rest of the
/// poller API, and refusing a lease that is not the caller's with a <c>lease_lost</c> problem.
/// </summary>
public sealed class LeaseEndpointTests(LeaseEndpointTests.Inbox inbox) : IClassFixture<LeaseEndpointTests.Inbox>
{
    [Fact]
    public async Task ExtendLease_Unsigned_IsUnauthorizedAndChangesNothing()
    {
        var item = await inbox.StoreAndClaimAsync();
        using var unsigned = new HttpClient { BaseAddress = inbox.Process.BaseAddress };

        using var response = await unsigned.PostAsJsonAsync($"/poller/v1/items/{item.Id}/lease", new LeaseRequest(item.LeaseId));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(item.LeaseUntil.UtcDateTime, await inbox.LeaseUntilAsync(item.Id));
    }

    [Fact]
    public async Task ExtendLease_SignedByTheHolder_MovesTheLeaseEnd()
    {
        var item = await inbox.StoreAndClaimAsync();
        await Task.Delay(1100);

        using var response = await inbox.Poller.PostAsJsonAsync($"/poller/v1/items/{item.Id}/lease", new LeaseRequest(item.LeaseId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lease = (await response.Content.ReadFromJsonAsync<LeaseResponse>())!;
        Assert.Equal(item.Id, lease.Id);
        Assert.True(lease.LeaseUntil >= item.LeaseUntil.AddSeconds(1), $"{lease.LeaseUntil:O} should be a second past {item.LeaseUntil:O}");
        Assert.Equal(lease.LeaseUntil.UtcDateTime, await inbox.LeaseUntilAsync(item.Id));
    }

    [Fact]
    public async Task ExtendLease_WithAnotherLeaseId_IsAConflictNamedLeaseLost()
    {
        var item = await inbox.StoreAndClaimAsync();

        using var response = await inbox.Poller.PostAsJsonAsync($"/poller/v1/items/{item.Id}/lease", new LeaseRequest(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("lease_lost", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal("lease_lost", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(item.LeaseUntil.UtcDateTime, await inbox.LeaseUntilAsync(item.Id));
    }

    [Fact]
    public async Task ExtendLease_OfAnUnknownItem_IsNotFound()
    {
        using var response = await inbox.Poller.PostAsJsonAsync($"/poller/v1/items/{long.MaxValue}/lease", new LeaseRequest("0123456789abcdef0123456789abcdef"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A PublicInbox process on a throwaway database, and a client signed as the poller signs.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes a class fixture through IAsyncLifetime.DisposeAsync.")]
    public sealed class Inbox : IAsyncLifetime
    {
        private ThrowawayDatabase? _database;
        private ServiceProcess? _process;
        private HttpClient? _poller;

        public ThrowawayDatabase Database => _database ?? throw new InvalidOperationException("Not started.");
        public ServiceProcess Process => _process ?? throw new InvalidOperationException("Not started.");
        public HttpClient Poller => _poller ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync()
        {
            _database = await ThrowawayDatabase.CreateAsync("lease");
            await ServiceProcess.RunToCompletionAsync("PublicInbox", new Dictionary<string, string> { ["ConnectionStrings__Migrations"] = _database.AdminConnectionString }, "migrate");
            var pollerKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var port = TestEnvironment.FreePort();
            _process = new ServiceProcess("lease", "PublicInbox", port, new Dictionary<string, string>
            {
                ["ConnectionStrings__Inbox"] = _database.ServiceConnectionString,
                ["Inbox__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
                ["Inbox__AllowedRedirectPrefixes__0"] = "http://127.0.0.1:5399/",
                ["Inbox__RetryLoginUrl"] = "http://127.0.0.1:5399/login/weixin",
                ["Inbox__WeixinToken"] = "leasetesttoken",
                ["PollerSigning__Keys__0"] = pollerKey,
                ["Retention__Enabled"] = "false",
            }, "poller-api");
            await _process.StartAsync();

            _poller = SignedClients.Poller(pollerKey, _process.BaseAddress);
        }

        /// <summary>The poller announces a state, a browser lands on the OAuth callback with it (stored as an item), then the poller claims that item.</summary>
        public async Task<ClaimedItem> StoreAndClaimAsync()
        {
            var state = "ST" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            await StateAnnouncements.AnnounceAsync(Poller, state);
            using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Process.BaseAddress };
            using (var callback = await browser.GetAsync($"/wx/oauth/callback?code=CODE{state}&state={state}"))
            {
                Assert.Equal(HttpStatusCode.SeeOther, callback.StatusCode);
            }

            using var response = await Poller.PostAsJsonAsync("/poller/v1/claim", new ClaimRequest("poller-lease", 100, [InboxItemKinds.OAuth]));
            response.EnsureSuccessStatusCode();
            var claimed = (await response.Content.ReadFromJsonAsync<ClaimResponse>())!;
            return Assert.Single(claimed.Items, i => i.OAuth?.State == state);
        }

        public async Task<DateTime?> LeaseUntilAsync(long id) =>
            (DateTime?)Assert.Single(await Database.QueryAsync("SELECT lease_until FROM inbox_items WHERE id = @id", ("@id", id)))["lease_until"];

        public async Task DisposeAsync()
        {
            _poller?.Dispose();

            if (_process is not null)
            {
                await _process.DisposeAsync();
            }

            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
    }
}
