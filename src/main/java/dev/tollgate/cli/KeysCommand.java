package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tollgate keys create|list|show|revoke|rotate}: the admin API's key operations from a shell. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage Tollgate keys on a running gateway.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Show.class,
                KeysCommand.Revoke.class, KeysCommand.Rotate.class})
public final class KeysCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs an admin call, printing its error and returning exit code 1 on failure. */
    abstract static class AdminCall implements Callable<Integer> {
        @Mixin
        AdminClient.Options options = new AdminClient.Options();
        @Spec
        CommandSpec spec;

        static Map<String, String> env = System.getenv();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                JsonNode result = run(new AdminClient(options, env));
                out.print(options.json ? Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n" : render(result));
                out.flush();
                return 0;
            } catch (AdminClient.ApiFailure | IllegalArgumentException e) {
                spec.commandLine().getErr().println("tollgate: " + e.getMessage());
                return 1;
            } catch (Exception e) {
                spec.commandLine().getErr().println("tollgate: " + e.getClass().getSimpleName());
                return 1;
            }
        }

        abstract JsonNode run(AdminClient client) throws Exception;

        abstract String render(JsonNode result);
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; its secret is printed once.")
    static final class Create extends AdminCall {
        @Option(names = "--name") String name;
        @Option(names = "--user") String user;
        @Option(names = "--team") String team;
        @Option(names = "--label", description = "key=value (repeatable)") List<String> labels = new ArrayList<>();
        @Option(names = "--expires", description = "Lifetime: 30d, 12h, ...") String expires;
        @Option(names = "--model", description = "Allowed model (repeatable; default all)") List<String> models;
        @Option(names = "--endpoint", description = "Allowed endpoint, e.g. /v1/chat/completions or /v1/files* (repeatable; default all)")
        List<String> endpoints;
        @Option(names = "--setting", description = "Per-key policy setting KEY=VALUE (repeatable)") List<String> settings = new ArrayList<>();
        @Option(names = "--rpm") Long rpm;
        @Option(names = "--tpm") Long tpm;
        @Option(names = "--rph", description = "Requests per rolling hour") Long rph;
        @Option(names = "--rpd", description = "Requests per rolling day") Long rpd;
        @Option(names = "--concurrent") Long concurrent;
        @Option(names = "--budget", description = "Budget in USD") BigDecimal budget;
        @Option(names = "--budget-period", description = "daily, weekly, monthly (default) or total") String budgetPeriod;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            ObjectNode body = Json.object();
            if (name != null) body.put("name", name);
            if (user != null) body.put("user", user);
            if (team != null) body.put("team", team);
            if (!labels.isEmpty()) {
                ObjectNode l = body.putObject("labels");
                for (String kv : labels) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("--label: expected key=value, got '" + kv + "'");
                    l.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            if (expires != null) body.put("expires_in", Durations.seconds(expires, "--expires"));
            if (models != null) models.forEach(body.putArray("allowed_models")::add);
            if (endpoints != null) endpoints.forEach(body.putArray("allowed_endpoints")::add);
            if (!settings.isEmpty()) {
                ObjectNode s = body.putObject("settings");
                for (String kv : settings) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("--setting: expected KEY=VALUE, got '" + kv + "'");
                    s.set(kv.substring(0, eq), value(kv.substring(eq + 1)));
                }
            }
            ObjectNode limits = Json.object();
            if (rpm != null) limits.put("rpm", rpm);
            if (tpm != null) limits.put("tpm", tpm);
            if (rph != null) limits.put("rph", rph);
            if (rpd != null) limits.put("rpd", rpd);
            if (concurrent != null) limits.put("concurrent", concurrent);
            if (!limits.isEmpty()) body.set("limits", limits);
            if (budget != null) {
                ObjectNode b = body.putObject("budget");
                b.put("amount_usd", budget);
                if (budgetPeriod != null) b.put("period", budgetPeriod);
            } else if (budgetPeriod != null) {
                throw new IllegalArgumentException("--budget-period needs --budget");
            }
            return client.post("/admin/v1/keys", body);
        }

        /** A setting value: JSON when it parses (numbers, booleans, lists), else the text itself. */
        private static JsonNode value(String raw) {
            try {
                return Json.parse(raw);
            } catch (Exception e) {
                return Json.MAPPER.getNodeFactory().textNode(raw);
            }
        }

        @Override
        String render(JsonNode k) {
            return "Created key " + k.path("id").asText() + " (" + k.path("prefix").asText() + "…)\n"
                    + "Secret (shown once, store it now): " + k.path("key").asText() + "\n";
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets).")
    static final class ListKeys extends AdminCall {
        @Option(names = "--user") String user;
        @Option(names = "--team") String team;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            String q = "";
            if (user != null) q += (q.isEmpty() ? "?" : "&") + "user=" + AdminClient.encode(user);
            if (team != null) q += (q.isEmpty() ? "?" : "&") + "team=" + AdminClient.encode(team);
            return client.get("/admin/v1/keys" + q);
        }

        @Override
        String render(JsonNode list) {
            Table t = new Table("ID", "PREFIX", "NAME", "USER", "TEAM", "STATUS", "CREATED", "EXPIRES");
            for (JsonNode k : list.path("data")) {
                t.row(k.path("id").asText(), k.path("prefix").asText() + "…", text(k, "name"), text(k, "user"), text(k, "team"),
                        k.path("status").asText(), date(k.get("created_at")), date(k.get("expires_at")));
            }
            return t.toString();
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one key.")
    static final class Show extends AdminCall {
        @Parameters(index = "0", description = "Key id (key_…)") String id;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            return client.get("/admin/v1/keys/" + AdminClient.encode(id));
        }

        @Override
        String render(JsonNode k) {
            return describe(k);
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key: it stops working at once.")
    static final class Revoke extends AdminCall {
        @Parameters(index = "0", description = "Key id (key_…)") String id;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            return client.post("/admin/v1/keys/" + AdminClient.encode(id) + "/revoke", Json.object());
        }

        @Override
        String render(JsonNode k) {
            return "Revoked key " + k.path("id").asText() + " (" + k.path("prefix").asText() + "…)\n";
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true, description = "Give a key a new secret; the old one works for the grace period.")
    static final class Rotate extends AdminCall {
        @Parameters(index = "0", description = "Key id (key_…)") String id;
        @Option(names = "--grace", description = "How long the old secret keeps working (default 24h; 0 stops it now)") String grace;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            ObjectNode body = Json.object();
            if (grace != null) body.put("grace_seconds", Durations.seconds(grace, "--grace"));
            return client.post("/admin/v1/keys/" + AdminClient.encode(id) + "/rotate", body);
        }

        @Override
        String render(JsonNode k) {
            return "Rotated key " + k.path("id").asText() + "; the old secret works until "
                    + date(k.get("previous_secret_valid_until")) + "\n"
                    + "New secret (shown once, store it now): " + k.path("key").asText() + "\n";
        }
    }

    static String describe(JsonNode k) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, JsonNode> f : k.properties()) {
            if (f.getKey().equals("object")) continue;
            JsonNode v = f.getValue();
            String shown = v.isNull() ? "-" : v.isTextual() ? v.textValue()
                    : f.getKey().endsWith("_at") || f.getKey().endsWith("_until") ? date(v) : Json.toString(v);
            b.append(String.format("%-28s %s%n", f.getKey(), shown));
        }
        return b.toString();
    }

    static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? "-" : v.asText();
    }

    static String date(JsonNode seconds) {
        if (seconds == null || seconds.isNull()) return "-";
        return Instant.ofEpochSecond(seconds.asLong()).toString();
    }

}
