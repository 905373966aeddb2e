package dev.tollgate.ui;

import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dashboard's files, read from the jar once at start and served from memory. The app's own files
 * live under a path with their content hash ({@code /ui/static/<hash>/}) and the chart library under
 * its version, so both can be cached for a year; only {@code index.html}, which names them, is
 * revalidated.
 */
final class UiAssets {

    static final String UPLOT_VERSION = "1.6.30";
    private static final String OWN = "dev/tollgate/ui/static/";
    private static final String UPLOT = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";

    record Asset(Buffer body, String contentType) {}

    private final Map<String, Asset> byPath = new LinkedHashMap<>();
    private final String version;
    private final Buffer index;

    private UiAssets(String version, Buffer index) {
        this.version = version;
        this.index = index;
    }

    static UiAssets load() {
        ClassLoader cl = UiAssets.class.getClassLoader();
        String[] names = new String(read(cl, OWN + "assets.txt"), StandardCharsets.UTF_8).strip().split("\\s+");
        Map<String, byte[]> own = new LinkedHashMap<>();
        MessageDigest digest = sha256();
        for (String n : names) {
            byte[] b = read(cl, OWN + n);
            own.put(n, b);
            digest.update(n.getBytes(StandardCharsets.UTF_8));
            digest.update(b);
        }
        String version = HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        String html = new String(read(cl, OWN + "index.html"), StandardCharsets.UTF_8)
                .replace("{{STATIC}}", "/ui/static/" + version)
                .replace("{{UPLOT}}", "/ui/vendor/uplot/" + UPLOT_VERSION);
        UiAssets a = new UiAssets(version, Buffer.buffer(html));
        own.forEach((n, b) -> a.byPath.put("/ui/static/" + version + "/" + n, new Asset(Buffer.buffer(b), type(n))));
        for (String n : new String[] {"uPlot.esm.js", "uPlot.min.css"}) {
            a.byPath.put("/ui/vendor/uplot/" + UPLOT_VERSION + "/" + n, new Asset(Buffer.buffer(read(cl, UPLOT + n)), type(n)));
        }
        return a;
    }

    Buffer index() {
        return index;
    }

    String version() {
        return version;
    }

    /** The versioned file at this path, or null. */
    Asset get(String path) {
        return byPath.get(path);
    }

    private static String type(String name) {
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        if (name.endsWith(".svg")) return "image/svg+xml";
        return "application/octet-stream";
    }

    private static byte[] read(ClassLoader cl, String name) {
        try (InputStream in = cl.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("the dashboard file " + name + " is missing from the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
