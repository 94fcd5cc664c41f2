using Prometheus;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>The push outbox's Prometheus metrics.</summary>
public static class PushMetrics
{
    /// <summary>Delivery attempts by outcome (<see cref="PushOutcomes"/>).</summary>
    public static readonly Counter Attempts = Metrics.CreateCounter(
        "push_attempts_total", "Push outbox delivery attempts by this instance, by outcome (sent, failed, retry, dead, paused, lost).", "outcome");

    /// <summary>40164 refusals: this host's egress IP is not on the account's IP whitelist.</summary>
    public static readonly Counter IpRefusals = Metrics.CreateCounter(
        "push_ip_not_whitelisted_total", "WeChat refused this host's egress IP (40164); the outbox pauses each time.");

    /// <summary>Counts one 40164 refusal.</summary>
    public static void IpNotWhitelisted() => IpRefusals.Inc();
}
