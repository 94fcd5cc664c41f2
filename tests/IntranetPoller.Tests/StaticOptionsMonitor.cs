using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Tests;

/// <summary>Settings that never change, for constructing services by hand.</summary>
internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
