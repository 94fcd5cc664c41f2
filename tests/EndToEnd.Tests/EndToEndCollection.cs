namespace Weixin.Inbox.EndToEnd.Tests;

/// <summary>End-to-end classes start whole systems; they run one after another to stay within two cores.</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
