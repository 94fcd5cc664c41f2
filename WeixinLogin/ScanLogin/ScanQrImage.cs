using QRCoder;

namespace Weixin.Inbox.WeixinLogin.ScanLogin;

/// <summary>
/// Draws the desktop 扫码登录 QR code in the LAN: the gateway only hands out the code's content (WeChat's
/// <c>url</c>), so the desktop browser never has to reach WeChat to show it.
/// </summary>
public static class ScanQrImage
{
    /// <summary>Pixels per module: about 230 px for WeChat's usual 29×29 code, easy to scan from a screen.</summary>
    public const int PixelsPerModule = 6;

    /// <summary>The QR code of <paramref name="content"/> as a PNG <c>data:</c> URI (the CSP allows <c>data:</c> images).</summary>
    public static string ToPngDataUri(string content)
    {
        // Note: level M like WeChat's own codes; the quiet zone is kept, phones need it to find the code on a white page.
        using var data = QRCodeGenerator.GenerateQrCode(content, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(PixelsPerModule);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
