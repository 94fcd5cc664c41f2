using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Accounts;

namespace Weixin.Inbox.CrmApp.Data;

/// <summary>
/// <c>CrmApp.dll seed</c>: the demo's data. Creates the <c>admin</c> account and, when there are no customers yet,
/// a dozen customers with follow-up notes and one follow-up reminder (two days ahead). With <c>Seed:AdminPassword</c> the admin gets that password (and is unlocked);
/// without it a new admin gets a random password, printed once on standard output. Runs with the least-privilege user.
/// <c>seed --admin-only</c> (production, docs/DEPLOY.md) creates or resets the admin and adds no demo customers.
/// </summary>
public static class SeedCommand
{
    public const string Verb = "seed";
    public const string AdminUserName = "admin";

    /// <summary>The option that leaves the demo customers out (a production database starts with none).</summary>
    public const string AdminOnlyOption = "--admin-only";

    private static readonly (string Name, string Company, string Phone, string[] Notes)[] DemoCustomers =
    [
        ("张伟", "北京华信科技有限公司", "138-0013-1001", ["电话沟通：对新版报价有兴趣，约下周二上门演示。", "已发送产品资料和报价单。"]),
        ("张敏", "上海东方贸易有限公司", "139-1234-5678", ["展会上认识，想了解批量采购的折扣。"]),
        ("张丽华", "天津滨海新材料有限公司", "136-2200-3344", []),
        ("王芳", "广州南粤物流有限公司", "137-5566-7788", ["合同已寄出，等待对方盖章。"]),
        ("李娜", "深圳前海电子商务有限公司", "135-8899-0011", ["需求：三个门店共用客户资料。"]),
        ("刘洋", "杭州云帆软件有限公司", "186-0571-2233", []),
        ("陈静", "成都天府餐饮管理有限公司", "187-2800-6655", ["回访：系统使用顺利，提出想要手机端提醒。"]),
        ("杨磊", "武汉光谷生物医药有限公司", "159-2700-8899", []),
        ("赵丽", "南京金陵建筑设计院", "158-2500-1122", ["预算审批中，月底再联系。"]),
        ("黄勇", "苏州工业园区精密制造有限公司", "188-5120-3344", []),
        ("周婷", "西安古城文化传媒有限公司", "189-2900-5566", []),
    ];

    public static async Task<int> RunAsync(IServiceProvider services, IConfiguration configuration, Serilog.ILogger logger, IReadOnlyList<string> args)
    {
        var unknown = args.Skip(1).Where(a => a != AdminOnlyOption).ToList();
        if (unknown.Count > 0)
        {
            // Note: a mistyped option must not fall through to the default, which would add demo customers.
            logger.Error("Unknown seed option {Options}; the only option is {AdminOnly}", string.Join(' ', unknown), AdminOnlyOption);
            return 2;
        }

        var adminOnly = args.Contains(AdminOnlyOption);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<Account>>();
        var now = DateTime.UtcNow;

        var givenPassword = configuration["Seed:AdminPassword"];
        if (!string.IsNullOrEmpty(givenPassword) && PasswordRules.CheckPassword(givenPassword) is { } problem)
        {
            logger.Error("Seed:AdminPassword does not follow the password rules: {Problem}", problem);
            return 2;
        }

        var admin = await db.Accounts.SingleOrDefaultAsync(a => a.UserName == AdminUserName);
        if (admin is null)
        {
            var password = string.IsNullOrEmpty(givenPassword) ? PasswordRules.Generate() : givenPassword;
            admin = new Account { UserName = AdminUserName, DisplayName = "管理员", CreatedAt = now, Role = AccountRoles.Admin };
            admin.PasswordHash = hasher.HashPassword(admin, password);
            db.Accounts.Add(admin);
            await db.SaveChangesAsync();
            logger.Information("Created account {UserName} ({AccountId})", AdminUserName, admin.Id);
            if (string.IsNullOrEmpty(givenPassword))
            {
                // Note: printed on stdout for the operator, never written to the log.
                Console.Out.WriteLine($"admin password: {password}");
            }
        }
        else if (!string.IsNullOrEmpty(givenPassword))
        {
            admin.PasswordHash = hasher.HashPassword(admin, givenPassword);
            admin.FailedLoginCount = 0;
            admin.LockoutEndsAt = null;
            await db.SaveChangesAsync();
            logger.Information("Account {UserName} ({AccountId}) exists; password set from Seed:AdminPassword and unlocked", AdminUserName, admin.Id);
        }
        else
        {
            logger.Information("Account {UserName} ({AccountId}) exists; password unchanged", AdminUserName, admin.Id);
        }

        // Note: the seeded admin is always a 管理员 and active, also in a database created before roles existed.
        if (admin.Role != AccountRoles.Admin || admin.Status != AccountStatuses.Active)
        {
            admin.Role = AccountRoles.Admin;
            admin.Status = AccountStatuses.Active;
            admin.RenewSecurityStamp();
            await db.SaveChangesAsync();
            logger.Information("Account {UserName} ({AccountId}) made an active 管理员", AdminUserName, admin.Id);
        }

        if (adminOnly)
        {
            logger.Information("{AdminOnly}: no demo customers added", AdminOnlyOption);
            return 0;
        }

        if (await db.Customers.AnyAsync())
        {
            logger.Information("Customers exist; demo customers not added");
            return 0;
        }

        var i = 0;
        foreach (var (name, company, phone, notes) in DemoCustomers)
        {
            var created = now.AddDays(-30 + i++);
            db.Customers.Add(new Customer
            {
                Name = name,
                Company = company,
                Phone = phone,
                OwnerId = admin.Id,
                CreatedAt = created,
                Notes = notes.Select((text, n) => new FollowUpNote { AuthorId = admin.Id, Content = text, CreatedAt = created.AddDays(n + 1).AddHours(2) }).ToList(),
            });
        }

        await db.SaveChangesAsync();

        // Note: a sample reminder two days ahead shows 「跟进提醒」 filled in; it is due long after a demo ends.
        var first = await db.Customers.OrderBy(c => c.Id).FirstAsync();
        db.Reminders.Add(new FollowUpReminder
        {
            CustomerId = first.Id,
            AssigneeId = admin.Id,
            CreatedById = admin.Id,
            DueAt = now.Date.AddDays(2).AddHours(2), // 10:00 China time
            Note = "上门演示新版报价，带上合同样本。",
            CreatedAt = now,
        });
        await db.SaveChangesAsync();
        logger.Information("Added {Count} demo customers and a sample follow-up reminder", DemoCustomers.Length);
        return 0;
    }
}
