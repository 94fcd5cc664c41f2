using Refit;

namespace Weixin.Inbox.Contracts;

/// <summary>
/// The Refit settings every client of our wire contracts is registered with:
/// <c>AddRefitGeneratedClient&lt;T&gt;(_ =&gt; RefitJson.Settings)</c>, so they are built when the first client is, not on the
/// start path.
/// </summary>
/// <remarks>
/// Note: Refit's default serializer asks its <c>JsonSerializerOptions</c> for a type's metadata with
/// <c>GetTypeInfo</c>, and System.Text.Json caches that metadata only once the options are read-only; Refit's own
/// options never become read-only, so every call rebuilt the metadata of its request and response types by reflection
/// (property accessors emitted as dynamic methods, then finalized). Issue 14's profile of the poller under 300 messages a
/// second: 7 % of its busy time in that rebuild, and as much again in the finalizer thread. Same options (Refit's
/// defaults, so the JSON on the wire is unchanged), frozen once.
/// </remarks>
public static class RefitJson
{
    /// <summary>Refit's default JSON options, read-only so their metadata is built once per type.</summary>
    public static RefitSettings Settings { get; } = Create();

    private static RefitSettings Create()
    {
        var options = SystemTextJsonContentSerializer.GetDefaultJsonSerializerOptions();
        options.MakeReadOnly(populateMissingResolver: true);
        return new RefitSettings { ContentSerializer = new SystemTextJsonContentSerializer(options) };
    }
}
