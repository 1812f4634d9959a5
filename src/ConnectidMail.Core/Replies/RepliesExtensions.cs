using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectidMail.Replies;

public static class RepliesExtensions
{
    /// <summary>Replies: threads per message and recipient, their files and mails. After AddMessaging and AddVerification.</summary>
    public static IHostApplicationBuilder AddReplies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReplyMailComposer>();
        builder.Services.AddScoped<ReplyService>();
        return builder;
    }
}
