package dev.tollgate.apidocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.json.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * {@code GET /openapi.json} (the API description, kept as YAML in the jar) and {@code /docs} (Swagger
 * UI from its WebJar, with the page's start-up in a static script so no inline script is needed).
 * Everything is read and converted once, at start-up, and served from memory.
 */
public final class ApiDocs {

    public static final String DOCUMENT_PATH = "/openapi.json";
    public static final String PAGE_PATH = "/docs";

    /**
     * The page: scripts and styles from this origin only, never inline. Swagger UI 5.35 renders the
     * page and expanded operations without an inline style element or attribute (checked in headless
     * Chromium with CSP reports), so styles need no 'unsafe-inline'; its stylesheet draws icons as
     * data: SVGs, hence data: for images.
     */
    static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The document and the other files are never rendered as a page: nothing may load from them. */
    static final String DATA_POLICY = "default-src 'none'; frame-ancestors 'none'";

    private static final String OWN = "dev/tollgate/docs/";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

    /** One file to serve: its headers and body, built once. */
    public record Asset(String contentType, String policy, String cacheControl, Buffer body) {

        public void send(HttpServerRequest req, String requestId) {
            HttpServerResponse resp = req.response();
            resp.setStatusCode(200);
            resp.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
            resp.putHeader("content-security-policy", policy);
            resp.putHeader("x-content-type-options", "nosniff");
            resp.putHeader("x-frame-options", "DENY");
            resp.putHeader("referrer-policy", "no-referrer");
            resp.putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
            resp.putHeader("x-request-id", requestId);
            resp.end(body);
        }
    }

    private static volatile ApiDocs instance;

    private final Map<String, Asset> assets;

    private ApiDocs(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** The files, read on first use: call it at start-up, off the event loops. */
    public static ApiDocs get() {
        ApiDocs d = instance;
        if (d == null) {
            synchronized (ApiDocs.class) {
                if (instance == null) instance = load();
                d = instance;
            }
        }
        return d;
    }

    /** The file served at this path, or null when the path is not one of these. */
    public Asset find(String path) {
        return assets.get(path);
    }

    /** The OpenAPI document as served. */
    public Buffer document() {
        return assets.get(DOCUMENT_PATH).body();
    }

    static ApiDocs load() {
        String version = swaggerUiVersion();
        String ui = WEBJAR + version + "/";
        String noCache = "no-cache";
        String day = "public, max-age=86400";
        return new ApiDocs(Map.of(
                DOCUMENT_PATH, new Asset("application/json", DATA_POLICY, noCache, document(read(OWN + "openapi.yaml"))),
                PAGE_PATH, new Asset("text/html; charset=utf-8", PAGE_POLICY, noCache, Buffer.buffer(read(OWN + "index.html"))),
                PAGE_PATH + "/init.js", new Asset("text/javascript; charset=utf-8", DATA_POLICY, noCache, Buffer.buffer(read(OWN + "init.js"))),
                PAGE_PATH + "/swagger-ui.css", new Asset("text/css; charset=utf-8", DATA_POLICY, day, Buffer.buffer(read(ui + "swagger-ui.css"))),
                PAGE_PATH + "/swagger-ui-bundle.js", new Asset("text/javascript; charset=utf-8", DATA_POLICY, day,
                        Buffer.buffer(read(ui + "swagger-ui-bundle.js"))),
                PAGE_PATH + "/favicon-32x32.png", new Asset("image/png", DATA_POLICY, day, Buffer.buffer(read(ui + "favicon-32x32.png")))));
    }

    /** The YAML source as compact JSON. */
    private static Buffer document(byte[] yaml) {
        try {
            JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            return Buffer.buffer(Json.MAPPER.writeValueAsBytes(doc));
        } catch (IOException e) {
            throw new IllegalStateException("the built-in OpenAPI document does not parse: " + e.getMessage(), e);
        }
    }

    /** The WebJar's version, from its Maven metadata: the pom names it once. */
    private static String swaggerUiVersion() {
        Properties p = new Properties();
        try (InputStream in = new java.io.ByteArrayInputStream(read("META-INF/maven/org.webjars/swagger-ui/pom.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String v = p.getProperty("version");
        if (v == null) throw new IllegalStateException("the swagger-ui WebJar has no version in its pom.properties");
        return v;
    }

    private static byte[] read(String resource) {
        try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing from the jar: " + resource);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
