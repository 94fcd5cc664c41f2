using Prometheus;

namespace Weixin.Inbox.IntranetPoller.Diagnostics;

/// <summary>The poller's Prometheus metrics (served at <c>/metrics</c> beside the HTTP request metrics).</summary>
public static class PollerMetrics
{
    private static readonly double[] LatencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30];

    /// <summary>Inbox items handled, by kind and result (<c>completed</c>, <c>replied</c>, <c>retry</c>, <c>failed</c>, <c>lease_lost</c>).</summary>
    public static readonly Counter ItemsProcessed = Metrics.CreateCounter(
        "poller_items_processed_total", "Inbox items handled by this poller, by kind and result.", "kind", "result");

    /// <summary>Time from claim to the result posted back, by kind.</summary>
    public static readonly Histogram ItemProcessing = Metrics.CreateHistogram(
        "poller_item_processing_seconds", "Time this poller spent on one claimed item (claim to result).",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = LatencyBuckets });

    /// <summary>Message replies by delivery: <c>passive</c> or <c>customer_service</c>.</summary>
    public static readonly Counter Replies = Metrics.CreateCounter(
        "poller_message_replies_total", "Replies to user messages by how they were delivered.", "delivery");

    /// <summary>Failed WeChat API calls by API path and errcode (<c>unreachable</c> for network errors, timeouts, 5xx).</summary>
    public static readonly Counter WeixinApiErrors = Metrics.CreateCounter(
        "weixin_api_errors_total", "WeChat API calls that failed, by API and errcode.", "api", "errcode");

    /// <summary>access_token fetches by result (<c>ok</c>, <c>error</c>).</summary>
    public static readonly Counter AccessTokenFetches = Metrics.CreateCounter(
        "weixin_access_token_fetches_total", "access_token fetches from WeChat by this instance, by result.", "result");

    /// <summary>
    /// Message and event items refused before any handler ran, by reason: <c>plaintext</c> (Weixin:RequireSafeMode),
    /// <c>unopenable</c> (msg_signature, decryption, XML), <c>sender_mismatch</c> (query openid is not the sender),
    /// <c>no_key</c> (safe-mode item, no EncodingAESKey). A rising <c>plaintext</c> or <c>sender_mismatch</c> count with
    /// the 公众号 in 安全模式 means someone writes into the inbox.
    /// </summary>
    public static readonly Counter MessageItemsRefused = Metrics.CreateCounter(
        "poller_message_items_refused_total", "Message and event items this poller refused to open, by reason.", "reason");
}
