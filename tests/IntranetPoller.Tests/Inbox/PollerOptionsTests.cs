using Weixin.Inbox.IntranetPoller.Inbox;

namespace Weixin.Inbox.IntranetPoller.Tests.Inbox;

/// <summary>Bad <c>Poller:*</c> settings are refused with a message naming the key (read without starting the scheduler).</summary>
public class PollerOptionsTests
{
    private static string? ErrorFor(Dictionary<string, string?> settings) =>
        OptionsHost.ValueError<PollerOptions>(b => b.AddInboxPolling(), settings);

    [Fact]
    public void Validate_AcceptsAnInboxBaseUrl()
    {
        Assert.Null(ErrorFor(new() { ["Poller:InboxBaseUrl"] = "http://127.0.0.1:5000" }));
    }

    [Fact]
    public void Validate_RequiresAnInboxBaseUrlWhilePolling()
    {
        Assert.Contains("Poller:InboxBaseUrl", ErrorFor([]), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AllowsNoInboxBaseUrlWhenPollingIsDisabled()
    {
        Assert.Null(ErrorFor(new() { ["Poller:Enabled"] = "false" }));
    }

    [Theory]
    [InlineData("localhost:5000")] // parses as scheme "localhost"
    [InlineData("127.0.0.1:5000")] // relative
    [InlineData("/inbox")]
    [InlineData("ftp://127.0.0.1:5000")]
    public void Validate_RefusesAnInboxBaseUrlThatIsNotAbsoluteHttp(string url)
    {
        Assert.Contains("Poller:InboxBaseUrl", ErrorFor(new() { ["Poller:InboxBaseUrl"] = url }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Poller:BatchSize", "0")]
    [InlineData("Poller:BatchSize", "101")]
    [InlineData("Poller:Interval", "00:00:00.010")]
    public void Validate_RefusesBatchSizeAndIntervalOutOfRange(string key, string value)
    {
        var error = ErrorFor(new() { ["Poller:InboxBaseUrl"] = "http://127.0.0.1:5000", [key] = value });

        Assert.Contains(key.Split(':')[1], error, StringComparison.Ordinal);
    }
}
