namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>One button of the account's custom menu: a view or click button, or a top button holding sub-buttons.</summary>
/// <param name="Type"><c>view</c> or <c>click</c>; null for a top button with <paramref name="SubButtons"/>.</param>
/// <param name="Name">What the user sees.</param>
/// <param name="Key">The EventKey of a click button.</param>
/// <param name="Url">The page a view button opens.</param>
/// <param name="SubButtons">The sub-menu (empty for a plain button).</param>
internal sealed record MenuButton(string? Type, string Name, string? Key, string? Url, IReadOnlyList<MenuButton> SubButtons);

/// <summary>The account's custom menu (menu/create), shown on the index and chat pages.</summary>
internal sealed class MenuStore
{
    private readonly Lock _gate = new();
    private IReadOnlyList<MenuButton>? _menu;

    /// <summary>The current menu, null when none was created (or it was deleted).</summary>
    public IReadOnlyList<MenuButton>? Current
    {
        get
        {
            lock (_gate)
            {
                return _menu;
            }
        }
    }

    public void Set(IReadOnlyList<MenuButton>? menu)
    {
        lock (_gate)
        {
            _menu = menu;
        }
    }
}
