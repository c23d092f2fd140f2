using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;


namespace EmailWorker.Dashboard;

/// <summary>
/// The CSRF check of every post: the form's token must match the antiforgery cookie and the logged-in user, or the
/// request is refused with 400 before its handler runs. Applied to each post endpoint (and only there: GETs change nothing).
/// </summary>
internal static class Antiforgery
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
            return Results.Text("The form's CSRF token is missing or invalid: reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
        return await next(context);
    }
}
