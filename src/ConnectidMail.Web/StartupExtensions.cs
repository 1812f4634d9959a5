using Microsoft.Extensions.Options;

namespace ConnectidMail.Web;

public static class StartupExtensions
{
    /// <summary>
    /// Checks every validated option before the host starts, so that a bad setting stops the start with
    /// one clear line on standard error instead of a stack trace.
    /// </summary>
    public static bool ValidateSettings(this IServiceProvider services, TextWriter error)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return true;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                error.WriteLine($"ConnectidMail cannot start: {failure}");
            }

            return false;
        }
    }
}
