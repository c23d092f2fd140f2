using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EmailWorker.Publisher;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers one shared <see cref="EmailPublisher"/> for the host.</summary>
    public static IServiceCollection AddEmailPublisher(this IServiceCollection services, Action<EmailPublisherOptions> configure)
    {
        services.Configure(configure);
        services.AddSingleton(provider => new EmailPublisher(provider.GetRequiredService<IOptions<EmailPublisherOptions>>().Value,
            provider.GetService<TimeProvider>()));
        return services;
    }
}
