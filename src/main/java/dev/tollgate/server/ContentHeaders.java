package dev.tollgate.server;

/** Reading the headers that describe a body: its length and whether it is JSON. */
final class ContentHeaders {

    private ContentHeaders() {}

    /** A Content-Length value: -1 when absent, -2 when malformed. */
    static long length(String value) {
        if (value == null) return -1;
        try {
            long v = Long.parseLong(value.trim());
            return v < 0 ? -2 : v;
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    /** application/json, or any {@code +json} type. */
    static boolean isJson(String contentType) {
        if (contentType == null) return false;
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        return type.equalsIgnoreCase("application/json") || (type.length() > 5 && type.regionMatches(true, type.length() - 5, "+json", 0, 5));
    }
}
