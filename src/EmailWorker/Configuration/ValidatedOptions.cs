using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EmailWorker.Configuration;

/// <summary>
/// The one way options are bound and checked, by the worker's host and every operator command alike: a section bound to
/// its options class by Microsoft.Extensions.Options and checked by the section's <see cref="IValidateOptions{TOptions}"/>.
/// The worker's host reads them from its services (checked when it starts); a command outside a host binds each section
/// it needs once, through the same registration, and collects every problem so that one message can name them all.
/// </summary>
internal static class ValidatedOptions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, checked by <typeparamref name="TValidator"/> on first read and when a host starts.</summary>
    public static IServiceCollection AddValidated<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    /// <summary>
    /// The options of <paramref name="section"/>, bound and checked now; when the binder cannot convert a value or the
    /// validator refuses one, its words are added to <paramref name="problems"/> and the defaults returned.
    /// </summary>
    public static TOptions Bind<TOptions, TValidator>(IConfiguration configuration, string section, ICollection<string> problems)
        where TOptions : class, new()
        where TValidator : class, IValidateOptions<TOptions> =>
        Read<TOptions>(new ServiceCollection().AddValidated<TOptions, TValidator>(configuration, section), problems);

    /// <summary>As <see cref="Bind{TOptions, TValidator}"/>, for a section a command only reads and does not check (the console's format).</summary>
    public static TOptions Bind<TOptions>(IConfiguration configuration, string section, ICollection<string> problems)
        where TOptions : class, new()
    {
        var services = new ServiceCollection();
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section));
        return Read<TOptions>(services, problems);
    }

    private static TOptions Read<TOptions>(IServiceCollection registered, ICollection<string> problems)
        where TOptions : class, new()
    {
        using var services = registered.BuildServiceProvider();
        try
        {
            return services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
                problems.Add(failure);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's own words: "Failed to convert configuration value at 'Smtp:Port' to type 'System.Int32'."
            problems.Add(ex.Message);
        }
        return new TOptions();
    }
}
