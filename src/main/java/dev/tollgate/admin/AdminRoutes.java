package dev.tollgate.admin;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Every route of the admin API, as method and path template. {@link AdminApi} serves only what is
 * listed here (anything else is 404 or 405 before its dispatcher runs), and a test checks this list
 * against the OpenAPI document both ways: adding a route is a line here and its entry in
 * {@code dev/tollgate/docs/openapi.yaml}.
 */
public final class AdminRoutes {

    /** One route; {@code {name}} in the template stands for one path segment. */
    public record Route(String method, String template) {

        Pattern pattern() {
            return Pattern.compile(Pattern.quote(template).replaceAll("\\{[^/}]+}", "\\\\E[^/]+\\\\Q"));
        }
    }

    public static final List<Route> ALL = List.of(
            new Route("GET", "/admin/v1/keys"),
            new Route("POST", "/admin/v1/keys"),
            new Route("GET", "/admin/v1/keys/{id}"),
            new Route("PATCH", "/admin/v1/keys/{id}"),
            new Route("POST", "/admin/v1/keys/{id}/revoke"),
            new Route("POST", "/admin/v1/keys/{id}/rotate"),
            new Route("GET", "/admin/v1/users"),
            new Route("GET", "/admin/v1/users/{id}"),
            new Route("PUT", "/admin/v1/users/{id}"),
            new Route("DELETE", "/admin/v1/users/{id}"),
            new Route("GET", "/admin/v1/teams"),
            new Route("GET", "/admin/v1/teams/{id}"),
            new Route("PUT", "/admin/v1/teams/{id}"),
            new Route("DELETE", "/admin/v1/teams/{id}"),
            new Route("GET", "/admin/v1/usage"),
            new Route("GET", "/admin/v1/stats/overview"),
            new Route("GET", "/admin/v1/requests"),
            new Route("GET", "/admin/v1/dataplane-tokens"),
            new Route("POST", "/admin/v1/dataplane-tokens"),
            new Route("POST", "/admin/v1/dataplane-tokens/{id}/revoke"),
            new Route("GET", "/admin/v1/dataplanes"),
            new Route("GET", "/admin/v1/config"));

    private static final List<Pattern> PATTERNS = ALL.stream().map(Route::pattern).toList();

    /** What a request line finds. */
    public enum Match { FOUND, WRONG_METHOD, NO_ROUTE }

    private AdminRoutes() {}

    public static Match match(String method, String path) {
        boolean pathKnown = false;
        for (int i = 0; i < ALL.size(); i++) {
            if (!PATTERNS.get(i).matcher(path).matches()) continue;
            if (ALL.get(i).method().equals(method)) return Match.FOUND;
            pathKnown = true;
        }
        return pathKnown ? Match.WRONG_METHOD : Match.NO_ROUTE;
    }
}
