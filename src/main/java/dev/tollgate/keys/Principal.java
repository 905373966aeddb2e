package dev.tollgate.keys;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.budget.Budget;
import dev.tollgate.json.Json;
import dev.tollgate.limits.Limits;

/** A user or team with limits and a budget shared by all of its keys. */
public record Principal(Kind kind, String id, Limits limits, Budget budget, long updatedAt) {

    public enum Kind {
        USER("user"), TEAM("team");

        public final String id;

        Kind(String id) {
            this.id = id;
        }
    }

    /** The name of its rate-limit and budget subject: "user:alice". */
    public String subject() {
        return kind.id + ":" + id;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("object", "tollgate." + kind.id);
        o.put("id", id);
        o.set("limits", limits.toJson());
        if (budget == null) o.putNull("budget"); else o.set("budget", budget.toJson());
        o.put("updated_at", updatedAt / 1000);
        return o;
    }
}
