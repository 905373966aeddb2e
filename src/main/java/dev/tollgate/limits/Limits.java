package dev.tollgate.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;

import java.util.Iterator;
import java.util.Map;

/**
 * Rate limits of one subject (a key, user, team, model or client IP); 0 means no limit.
 * Requests per minute, hour and day are rolling windows (the last 60, 3,600 and 86,400 seconds,
 * not calendar periods); tokens per minute likewise; concurrent counts requests in flight.
 */
public record Limits(long rpm, long tpm, long rph, long rpd, long concurrent) {

    public static final Limits NONE = new Limits(0, 0, 0, 0, 0);

    public boolean isEmpty() {
        return rpm == 0 && tpm == 0 && rph == 0 && rpd == 0 && concurrent == 0;
    }

    /** Reads {@code {"rpm":60,"tpm":..,"rph":..,"rpd":..,"concurrent":..}}; errors name the field. */
    public static Limits parse(JsonNode node, String where) {
        if (node == null || node.isNull()) return NONE;
        if (!node.isObject()) throw new IllegalArgumentException(where + ": expected a mapping of rpm, tpm, rph, rpd, concurrent");
        long rpm = 0, tpm = 0, rph = 0, rpd = 0, concurrent = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long v = count(e.getValue(), where + "." + e.getKey());
            switch (e.getKey()) {
                case "rpm" -> rpm = v;
                case "tpm" -> tpm = v;
                case "rph" -> rph = v;
                case "rpd" -> rpd = v;
                case "concurrent" -> concurrent = v;
                default -> throw new IllegalArgumentException(where + ": unknown limit '" + e.getKey()
                        + "' (known: rpm, tpm, rph, rpd, concurrent)");
            }
        }
        return new Limits(rpm, tpm, rph, rpd, concurrent);
    }

    private static long count(JsonNode v, String where) {
        if (v.isNull()) return 0;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw new IllegalArgumentException(where + ": expected a whole number ≥ 0 (0 = no limit)");
        }
        return v.longValue();
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        if (rpm > 0) o.put("rpm", rpm);
        if (tpm > 0) o.put("tpm", tpm);
        if (rph > 0) o.put("rph", rph);
        if (rpd > 0) o.put("rpd", rpd);
        if (concurrent > 0) o.put("concurrent", concurrent);
        return o;
    }
}
