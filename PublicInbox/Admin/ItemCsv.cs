using System.Globalization;
using System.Text;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>The history as CSV for Excel: UTF-8 with BOM, RFC 4180 quoting, no cell that Excel would run as a formula.</summary>
public static class ItemCsv
{
    public static readonly string[] Header = ["编号", "接收时间（北京时间）", "类型", "状态", "尝试次数", "处理耗时（毫秒）", "openid", "state", "领取者", "结果", "错误"];

    public static async Task WriteAsync(Stream stream, IAsyncEnumerable<ItemRow> rows, int max, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024);
        await writer.WriteLineAsync(string.Join(',', Header.Select(Cell)));
        var count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (++count > max)
            {
                await writer.WriteLineAsync(Cell($"（已达到导出上限 {max} 行，更早的记录未导出，请缩小筛选范围）"));
                break;
            }

            await writer.WriteLineAsync(string.Join(',',
                row.Id.ToString(CultureInfo.InvariantCulture),
                AdminFormat.China(row.ReceivedAt),
                row.Kind,
                row.Status,
                row.Attempts.ToString(CultureInfo.InvariantCulture),
                row.ProcessingTime is { } t ? ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "",
                Cell(row.OpenId),
                Cell(row.OAuthState),
                Cell(row.LeasedBy),
                Cell(row.Outcome),
                Cell(row.Error)));
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// One text cell. Note: a cell starting with = + - @ (or tab / CR) is a formula to Excel (CSV injection: an
    /// attacker-chosen openid or error text could run commands); a leading apostrophe makes it plain text.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
