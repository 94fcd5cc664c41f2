namespace Weixin.Inbox.Contracts.Text;

/// <summary>Cutting text to a column's width before it is stored (one helper for every store and endpoint).</summary>
public static class TextClip
{
    /// <summary>
    /// <paramref name="value"/> cut to at most <paramref name="max"/> UTF-16 characters; null stays null, and so does
    /// empty when <paramref name="emptyAsNull"/> (a query parameter that was sent blank is the same as one not sent).
    /// </summary>
    public static string? Clip(string? value, int max, bool emptyAsNull = false) =>
        value is null || (emptyAsNull && value.Length == 0) ? null
        : value.Length <= max ? value
        : value[..max];
}
