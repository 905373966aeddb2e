package dev.tollgate.apidocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.json.Json;
import dev.tollgate.support.GatewayTest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** /openapi.json and /docs as a browser gets them: content types, security headers, same-origin scripts only. */
class ApiDocsTest extends GatewayTest {

    private static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String DATA_POLICY = "default-src 'none'; frame-ancestors 'none'";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/5.35.0/";

    @Test
    void theDocumentIsServedAsJson() throws Exception {
        start(Map.of());
        HttpResponse<String> r = gateway.get("/openapi.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.headers().firstValue("content-security-policy")).hasValue(DATA_POLICY);
        assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
        JsonNode yaml;
        try (InputStream in = resource("dev/tollgate/docs/openapi.yaml")) {
            yaml = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        assertThat(Json.parse(r.body())).isEqualTo(yaml);
        assertThat(Json.parse(r.body()).path("openapi").asText()).isEqualTo("3.1.0");
    }

    @Test
    void thePageLoadsOnlySameOriginScriptsAndNoInlineOnes() throws Exception {
        start(Map.of());
        HttpResponse<String> page = gateway.get("/docs");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy")).hasValue(PAGE_POLICY);
        assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
        String html = page.body();

        Matcher scripts = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE).matcher(html);
        List<String> scriptSources = new ArrayList<>();
        while (scripts.find()) {
            assertThat(scripts.group(2)).as("inline script").isBlank();
            Matcher src = Pattern.compile("src=\"([^\"]*)\"").matcher(scripts.group(1));
            assertThat(src.find()).as("script without src").isTrue();
            scriptSources.add(src.group(1));
        }
        assertThat(scriptSources).containsExactly("/docs/swagger-ui-bundle.js", "/docs/init.js");
        assertThat(Pattern.compile("<script", Pattern.CASE_INSENSITIVE).matcher(html).results().count()).isEqualTo(2);
        assertThat(html).doesNotContainPattern("(?i)\\son[a-z]+\\s*=").doesNotContainPattern("(?i)javascript:").doesNotContain("<style");
        // Every URL the page names is a path on this origin, and is served.
        Matcher urls = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        int seen = 0;
        while (urls.find()) {
            String url = urls.group(1);
            assertThat(url).as(url).startsWith("/").doesNotStartWith("//");
            assertThat(gateway.get(url).statusCode()).as(url).isEqualTo(200);
            seen++;
        }
        assertThat(seen).isEqualTo(4);
    }

    @Test
    void theAssetsComeFromTheWebJarWithTheirContentTypes() throws Exception {
        start(Map.of());
        assertAsset("/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", WEBJAR + "swagger-ui-bundle.js");
        assertAsset("/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", WEBJAR + "swagger-ui-bundle.js"); // served again, whole
        assertAsset("/docs/swagger-ui.css", "text/css; charset=utf-8", WEBJAR + "swagger-ui.css");
        assertAsset("/docs/favicon-32x32.png", "image/png", WEBJAR + "favicon-32x32.png");
        assertAsset("/docs/init.js", "text/javascript; charset=utf-8", "dev/tollgate/docs/init.js");
        String init = gateway.get("/docs/init.js").body();
        assertThat(init).contains("url: \"/openapi.json\"").contains("queryConfigEnabled: false").contains("validatorUrl: null")
                .doesNotContain("http:").doesNotContain("https:").doesNotContain("//cdn");
        assertThat(gateway.get("/docs/swagger-ui-standalone-preset.js").statusCode()).isEqualTo(404);
        assertThat(gateway.get("/docs/../openapi.json").statusCode()).isIn(200, 400); // normalised or refused, never a file read
    }

    @Test
    void onlyGetAndHeadAreAnswered() throws Exception {
        start(Map.of());
        HttpResponse<String> post = gateway.postJson("/openapi.json", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).isEqualTo("{\"error\":{\"message\":\"Method POST is not allowed on /openapi.json.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"method_not_allowed\"}}");
        HttpResponse<String> head = gateway.http().send(gateway.request("/docs").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-security-policy")).hasValue(PAGE_POLICY);
    }

    /** The gateway's own documented GET routes exist (the admin ones are checked in AdminRoutesTest). */
    @Test
    void theGatewaysOwnDocumentedRoutesExist() throws Exception {
        start(Map.of());
        OpenApiDocument doc = OpenApiDocument.served();
        List<String> checked = new ArrayList<>();
        for (var p : doc.root.path("paths").properties()) {
            JsonNode get = p.getValue().path("get");
            if (get.isMissingNode() || p.getKey().startsWith("/admin/")) continue;
            boolean own = false;
            for (JsonNode t : get.path("tags")) own |= t.asText().equals("Gateway");
            if (!own) continue;
            HttpResponse<String> r = gateway.get(p.getKey());
            assertThat(r.statusCode()).as(p.getKey() + " " + r.body()).isEqualTo(200);
            checked.add(p.getKey());
        }
        assertThat(checked).containsExactlyInAnyOrder("/ratelimit", "/healthz", "/readyz", "/metrics", "/v1/models", "/openapi.json", "/docs");
    }

    private void assertAsset(String path, String contentType, String resource) throws Exception {
        HttpResponse<byte[]> r = gateway.http().send(gateway.request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).as(path).hasValue(contentType);
        assertThat(r.headers().firstValue("x-content-type-options")).as(path).hasValue("nosniff");
        assertThat(r.headers().firstValue("content-security-policy")).as(path).hasValue(DATA_POLICY);
        try (InputStream in = resource(resource)) {
            assertThat(r.body()).as(path).isEqualTo(in.readAllBytes());
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ApiDocsTest.class.getClassLoader().getResourceAsStream(name);
        if (in == null) throw new AssertionError("missing resource " + name);
        return in;
    }
}
