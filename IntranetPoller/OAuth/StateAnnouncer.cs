using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Inbox;

namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>
/// Tells the inbox the SHA-256 and expiry of each OAuth state before the gateway hands out its authorize URL (signed
/// <c>POST /poller/v1/oauth-states</c>): the inbox stores <c>/wx/oauth/callback</c> only for announced states.
/// </summary>
public sealed class StateAnnouncer(IInboxPollerApi inbox, ILogger<StateAnnouncer> logger)
{
    /// <summary>
    /// How long the announcement may take, retries included. Note: the CRM gives the whole login start 10 s; an inbox
    /// that answers nothing within this is reported as unavailable rather than left to the CRM's timeout.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>True once the inbox acknowledged the state; false (logged) when it could not be told.</summary>
    public async Task<bool> AnnounceAsync(string state, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await inbox.AnnounceStateAsync(new AnnounceStateRequest(OAuthStateHash.Compute(state), expiresAt), timeout.Token);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not (OutOfMemoryException or StackOverflowException))
        {
            // Note: any failure (no answer, refused signature, a missing Poller:InboxBaseUrl) means WeChat's callback would
            // be refused at the inbox, so the login must not start.
            logger.LogError("Could not announce an OAuth state to the inbox ({Reason}); the login is not started", InboxReachability.Describe(ex));
            return false;
        }
    }
}
