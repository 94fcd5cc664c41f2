using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Weixin.Inbox.IntranetPoller.Tests;

/// <summary>Runs the service's own registrations over in-memory settings and reports what start-up says.</summary>
internal static class OptionsHost
{
    /// <summary>Starts a host with only <paramref name="register"/>; returns the validation message, or null when it started.</summary>
    public static async Task<string?> StartupErrorAsync(Action<IHostApplicationBuilder> register, IDictionary<string, string?> settings)
    {
        using var host = Build(register, settings);
        try
        {
            await host.StartAsync();
            await host.StopAsync();
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Reads the bound options; returns the validation message, or null when valid.</summary>
    public static string? ValueError<T>(Action<IHostApplicationBuilder> register, IDictionary<string, string?> settings)
        where T : class
    {
        using var host = Build(register, settings);
        try
        {
            _ = host.Services.GetRequiredService<IOptions<T>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Message;
        }
    }

    private static IHost Build(Action<IHostApplicationBuilder> register, IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        register(builder);
        return builder.Build();
    }
}
