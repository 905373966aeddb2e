package dev.tollgate.provider;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Helpers for the providers' {@code base_url} rules: path segments an adapter adds itself. */
public final class BaseUrl {

    /** An API version segment: v1, v1beta, v1alpha2, v2. */
    private static final Pattern VERSION = Pattern.compile("v\\d+(?:(?:alpha|beta)\\d*)?", Pattern.CASE_INSENSITIVE);

    private BaseUrl() {}

    /** The URL's raw path ("" for none). */
    public static String path(String url) {
        String p = URI.create(url).getRawPath();
        return p == null ? "" : p;
    }

    /** The URL without its last path segment when that segment is one of {@code segments} (case-insensitive). */
    public static String dropLast(String url, Set<String> segments) {
        String path = path(url);
        int slash = path.lastIndexOf('/');
        if (slash < 0 || !segments.contains(path.substring(slash + 1).toLowerCase(Locale.ROOT))) return url;
        return url.substring(0, url.length() - (path.length() - slash));
    }

    /** Whether a path segment of the URL is an API version (v1, v1beta, ...). */
    public static boolean hasVersionSegment(String url) {
        for (String seg : path(url).split("/")) if (VERSION.matcher(seg).matches()) return true;
        return false;
    }

    /** Whether a path segment of the URL equals {@code segment} (case-insensitive). */
    public static boolean hasSegment(String url, String segment) {
        for (String seg : path(url).split("/")) if (seg.equalsIgnoreCase(segment)) return true;
        return false;
    }

    /**
     * A provider's API root: a trailing version segment the adapter adds itself ({@code versions})
     * is dropped; any other version segment is refused, naming what to give instead.
     */
    public static String apiRoot(String configured, Set<String> versions, String provider, String giveInstead) {
        String root = dropLast(configured, versions);
        if (hasVersionSegment(root)) {
            throw new IllegalArgumentException("the path " + path(configured) + " is not " + provider + "'s API root: give " + giveInstead);
        }
        return root;
    }
}
