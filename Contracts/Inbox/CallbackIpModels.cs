namespace Weixin.Inbox.Contracts.Inbox;

/// <summary>
/// WeChat's callback IP list (<c>cgi-bin/getcallbackip</c>) as the poller hands it to the inbox, which then may refuse
/// <c>/wx/callback</c> from other addresses (<c>Inbox:RestrictCallbacksToWeixinIps</c>).
/// </summary>
/// <param name="PollerId">The poller that fetched it (at most 64 characters).</param>
/// <param name="IpList">Addresses or CIDR ranges, as WeChat answered them: 1 to <see cref="MaxEntries"/> entries.</param>
public sealed record CallbackIpsRequest(string PollerId, IReadOnlyList<string> IpList)
{
    /// <summary>Most entries accepted in one list.</summary>
    public const int MaxEntries = 1000;
}

/// <summary>The list the inbox now uses: how many entries, and since when.</summary>
public sealed record CallbackIpsResponse(int Count, DateTimeOffset UpdatedAt);
