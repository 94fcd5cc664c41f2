using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Microsoft.Playwright;
using Weixin.Inbox.Testing;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace Weixin.Inbox.CrmApp.Tests.ScanLogin;

/// <summary>
/// Reads a QR code back from a screenshot, as a phone camera would: the PNG's pixels are decoded here (8-bit gray,
/// RGB or RGBA, not interlaced: what Chromium writes) and handed to ZXing; the page's markup is never read.
/// </summary>
public static class QrPixels
{
    /// <summary>
    /// Waits for the image <paramref name="selector"/> to be shown and loaded, and reads its QR code from screenshots of
    /// the element; fails the test when none can be read. Like a phone's camera it keeps looking for a while: a screenshot taken while a new image is
    /// being painted can show none of it (seen in CI on a loaded machine, right after 「刷新二维码」, and once for a first
    /// code after 5 s of tries; the last screenshot is then kept under test-results/artifacts for a look).
    /// </summary>
    public static async Task<string> ReadAsync(IPage page, string selector)
    {
        var image = page.Locator(selector);
        await image.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 45_000 });
        await page.WaitForFunctionAsync("s => { const img = document.querySelector(s); return img && img.complete && img.naturalWidth > 0; }", selector);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            // Note: animations disabled: a refreshed code fades in from the dimmed one (a 0.2 s CSS transition).
            var png = await image.ScreenshotAsync(new LocatorScreenshotOptions { Animations = ScreenshotAnimations.Disabled });
            if (TryDecode(png) is { } text)
            {
                return text;
            }

            if (DateTime.UtcNow > deadline)
            {
                var (width, height, _) = ToGray(png);
                var kept = Path.Combine(TestEnvironment.ResultsDirectory, $"qr-unreadable-{DateTime.UtcNow:HHmmssfff}.png");
                await File.WriteAllBytesAsync(kept, png);
                Assert.Fail($"no QR code could be read from the {width}×{height} screenshot (tried for 15 s; kept as {kept})");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The text of the QR code in <paramref name="png"/>, or null when none can be read.</summary>
    public static string? TryDecode(byte[] png)
    {
        var (width, height, gray) = ToGray(png);
        var source = new RGBLuminanceSource(gray, width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        var hints = new Dictionary<DecodeHintType, object> { [DecodeHintType.TRY_HARDER] = true };
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints)?.Text;
    }

    /// <summary>The PNG as one gray byte per pixel (alpha composed over white, like the page's background).</summary>
    public static (int Width, int Height, byte[] Gray) ToGray(byte[] png)
    {
        ReadOnlySpan<byte> signature = [137, 80, 78, 71, 13, 10, 26, 10];
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException("not a PNG");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            at += 12 + length;
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    var (bitDepth, colorType, interlace) = (data[8], data[9], data[12]);
                    channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                    if (bitDepth != 8 || channels == 0 || interlace != 0)
                    {
                        throw new InvalidDataException($"PNG kind not read here: depth {bitDepth}, color type {colorType}, interlace {interlace}");
                    }

                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    at = png.Length;
                    break;
            }
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.GetBuffer();
        var stride = width * channels;
        var previous = new byte[stride];
        var row = new byte[stride];
        var gray = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            var offset = y * (stride + 1);
            var filter = raw[offset];
            Array.Copy(raw, offset + 1, row, 0, stride);
            Unfilter(filter, row, previous, channels);
            for (var x = 0; x < width; x++)
            {
                var p = x * channels;
                int luminance, alpha;
                if (channels <= 2)
                {
                    luminance = row[p];
                    alpha = channels == 2 ? row[p + 1] : 255;
                }
                else
                {
                    luminance = ((row[p] * 299) + (row[p + 1] * 587) + (row[p + 2] * 114)) / 1000;
                    alpha = channels == 4 ? row[p + 3] : 255;
                }

                gray[(y * width) + x] = (byte)(((luminance * alpha) + (255 * (255 - alpha))) / 255);
            }

            (previous, row) = (row, previous);
        }

        return (width, height, gray);
    }

    // The five PNG filters (https://www.w3.org/TR/png/#9Filters), undone in place.
    private static void Unfilter(byte filter, byte[] row, byte[] previous, int bpp)
    {
        for (var i = 0; i < row.Length; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0;
            int up = previous[i];
            int upLeft = i >= bpp ? previous[i - bpp] : 0;
            row[i] = filter switch
            {
                0 => row[i],
                1 => (byte)(row[i] + left),
                2 => (byte)(row[i] + up),
                3 => (byte)(row[i] + ((left + up) / 2)),
                4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                _ => throw new InvalidDataException("unknown PNG filter " + filter),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
