using Weixin.Inbox.WeixinSimulator;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Control;
using Weixin.Inbox.WeixinSimulator.Diagnostics;
using Weixin.Inbox.WeixinSimulator.Home;
using Weixin.Inbox.WeixinSimulator.Messaging;
using Weixin.Inbox.WeixinSimulator.OAuth;
using Weixin.Inbox.WeixinSimulator.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddSimulatorLogging();
builder.Services.AddOptions<SimulatorOptions>()
    .BindConfiguration(SimulatorOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSimulatorState();

var app = builder.Build();

app.UseRequestLine();
app.MapHome();
app.MapOAuth();
app.MapAvatars();
app.MapCgiBin();
app.MapMessaging();
app.MapQrCodes();
app.MapSimControl();
app.MapAccountTypeControl();

app.Run();

public partial class Program;
