using EmailWorker.Configuration;
using EmailWorker.Contracts;

namespace EmailWorker.DeadLetters.Edit;

/// <summary>The limits an edit is validated against: the worker's own (a default sender, the largest message), as its reader takes them.</summary>
internal static class EditLimits
{
    public static SendEmailLimits From(DeliveryOptions delivery) =>
        new() { HasDefaultSender = !string.IsNullOrEmpty(delivery.DefaultFrom), MaxMessageBytes = delivery.MaxMessageBytes };
}
