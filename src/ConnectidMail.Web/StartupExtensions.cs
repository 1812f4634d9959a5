using ConnectidMail.Crypto;
using Microsoft.Extensions.Options;

namespace ConnectidMail.Web;

public static class StartupExtensions
{
    /// <summary>
    /// Checks every validated option and the master key before the host starts, so that a bad setting stops the start with
    /// one clear line on standard error instead of a stack trace.
    /// </summary>
    public static bool ValidateSettings(this IServiceProvider services, TextWriter error)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            // Load (or, on first run, create) the master key now, not at the first request that needs it.
            if (services.GetRequiredService<IMasterKeyProvider>() is LocalMasterKeyProvider local)
            {
                local.EnsureLoaded();
            }

            return true;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            // Several invalid option types arrive together; one setting can fail two validators, so say it once.
            var failures = (e is AggregateException all ? all.Flatten().InnerExceptions : [e])
                .OfType<OptionsValidationException>()
                .SelectMany(v => v.Failures)
                .Distinct()
                .ToList();
            if (failures.Count == 0)
            {
                throw;
            }

            foreach (var failure in failures)
            {
                error.WriteLine($"ConnectidMail cannot start: {failure}");
            }

            return false;
        }
        catch (MasterKeyException e)
        {
            error.WriteLine($"ConnectidMail cannot start: {e.Message}");
            return false;
        }
    }
}
