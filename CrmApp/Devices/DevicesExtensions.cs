using Weixin.Inbox.WeixinLogin.Devices;

namespace Weixin.Inbox.CrmApp.Devices;

/// <summary>Registration of the known devices and the new-device confirmation setting.</summary>
public static class DevicesExtensions
{
    public static WebApplicationBuilder AddDevices(this WebApplicationBuilder builder)
    {
        // Note: a value that is not a bool (Login__ConfirmNewDevice=yes) stops the start instead of silently meaning false.
        builder.Services.AddOptions<NewDeviceOptions>().BindConfiguration(NewDeviceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddDeviceCookie("crm_device", "CrmApp.Devices.Cookie.v1");
        builder.Services.AddScoped<DeviceStore>();
        return builder;
    }
}
