using Serilog.Core;
using Serilog.Events;
using Weixin.Inbox.Contracts.Diagnostics;

namespace Weixin.Inbox.ServiceDefaults;

/// <summary>
/// Adds <c>CorrelationId</c> from <see cref="Correlation.Current"/> (unless the event names one itself), and a rendered
/// <c>CorrelationSuffix</c> (" (corr …)") for the console layout, empty when there is none.
/// </summary>
internal sealed class CorrelationSuffixEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (!logEvent.Properties.ContainsKey(Correlation.PropertyName) && Correlation.Current is { } current)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(Correlation.PropertyName, current));
        }

        var suffix = logEvent.Properties.TryGetValue(Correlation.PropertyName, out var value) && value is ScalarValue { Value: string id }
            ? $" (corr {id})"
            : "";
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("CorrelationSuffix", suffix));
    }
}
