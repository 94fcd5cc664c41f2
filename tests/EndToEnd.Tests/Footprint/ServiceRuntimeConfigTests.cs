using System.Text.Json.Nodes;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.EndToEnd.Tests.Footprint;

/// <summary>
/// The GC mode chosen for the 2-core box (Service.Runtime.props, issue 14 item 5: workstation GC, background gen2
/// collections on) reaches what the runtime reads: each service's built runtimeconfig.json. The Web SDK defaults to
/// server GC, so a service whose .csproj lost the import would quietly grow again under load.
/// </summary>
public sealed class ServiceRuntimeConfigTests
{
    /// <summary>Every service that imports Service.Runtime.props.</summary>
    public static TheoryData<string> Services => ["PublicInbox", "IntranetPoller", "CrmApp", "IdentityProvider"];

    [Theory]
    [MemberData(nameof(Services))]
    public void RuntimeConfig_OfEachService_CarriesWorkstationConcurrentGc(string project)
    {
        var properties = ConfigProperties(project);

        Assert.False(properties["System.GC.Server"]!.GetValue<bool>());
        Assert.True(properties["System.GC.Concurrent"]!.GetValue<bool>());
    }

    /// <summary>
    /// Dynamic PGO stays off (Service.Runtime.props, issue 14 item 3): with it the tiering threads re-compiled hot methods
    /// twice under load and the inbox + poller used ~1.8x the CPU per message from a cold start.
    /// </summary>
    [Theory]
    [MemberData(nameof(Services))]
    public void RuntimeConfig_OfEachService_HasDynamicPgoOff(string project)
    {
        var properties = ConfigProperties(project);

        Assert.False(properties["System.Runtime.TieredPGO"]!.GetValue<bool>());
    }

    /// <summary>
    /// No ICU (Service.Runtime.props, issue 14 item 5): ~5 MB resident less per service, and culture-aware calls behave
    /// the same whatever the host's LANG.
    /// </summary>
    [Theory]
    [MemberData(nameof(Services))]
    public void RuntimeConfig_OfEachService_IsGlobalizationInvariant(string project)
    {
        var properties = ConfigProperties(project);

        Assert.True(properties["System.Globalization.Invariant"]!.GetValue<bool>());
    }

    /// <summary>The runtime's settings as the build wrote them for <paramref name="project"/> (its runtimeconfig.json).</summary>
    private static JsonNode ConfigProperties(string project)
    {
        var path = Path.ChangeExtension(TestEnvironment.ServiceDll(project), ".runtimeconfig.json");
        return JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!;
    }
}
