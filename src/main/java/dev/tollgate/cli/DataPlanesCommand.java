package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tollgate dataplanes create|list|revoke|status}: hybrid mode's data-plane tokens and data planes, on a control plane. */
@Command(name = "dataplanes", mixinStandardHelpOptions = true, description = "Data-plane tokens and data planes (hybrid mode's control plane).",
        subcommands = {DataPlanesCommand.Create.class, DataPlanesCommand.ListTokens.class, DataPlanesCommand.Revoke.class,
                DataPlanesCommand.Status.class})
public final class DataPlanesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a data-plane token; its secret is printed once.")
    static final class Create extends KeysCommand.AdminCall {
        @Option(names = "--name", required = true, description = "What the token is for, e.g. the data plane's region") String name;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            ObjectNode body = Json.object();
            body.put("name", name);
            return client.post("/admin/v1/dataplane-tokens", body);
        }

        @Override
        String render(JsonNode t) {
            return "Created data-plane token " + t.path("id").asText() + " (" + t.path("prefix").asText() + "…)\n"
                    + "Secret (shown once; give it to the data plane as TOLLGATE_DATA_PLANE_TOKEN): " + t.path("secret").asText() + "\n";
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List data-plane tokens (never their secrets).")
    static final class ListTokens extends KeysCommand.AdminCall {
        @Override
        JsonNode run(AdminClient client) throws Exception {
            return client.get("/admin/v1/dataplane-tokens");
        }

        @Override
        String render(JsonNode list) {
            Table t = new Table("ID", "PREFIX", "NAME", "STATUS", "CREATED", "REVOKED");
            for (JsonNode k : list.path("data")) {
                t.row(k.path("id").asText(), k.path("prefix").asText() + "…", KeysCommand.text(k, "name"), k.path("status").asText(),
                        KeysCommand.date(k.get("created_at")), KeysCommand.date(k.get("revoked_at")));
            }
            return t.toString();
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a data-plane token: its data planes get no more snapshots.")
    static final class Revoke extends KeysCommand.AdminCall {
        @Parameters(index = "0", description = "Token id (dpt_…)") String id;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            return client.post("/admin/v1/dataplane-tokens/" + AdminClient.encode(id) + "/revoke", Json.object());
        }

        @Override
        String render(JsonNode t) {
            return "Revoked data-plane token " + t.path("id").asText() + " (" + t.path("prefix").asText() + "…)\n";
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "List the data planes that fetched configuration, when, and their usage rows waiting and received.")
    static final class Status extends KeysCommand.AdminCall {
        @Override
        JsonNode run(AdminClient client) throws Exception {
            return client.get("/admin/v1/dataplanes");
        }

        @Override
        String render(JsonNode list) {
            Table t = new Table("ID", "TOKEN", "VERSION", "SNAPSHOT", "UP TO DATE", "LAST CONTACT", "ROWS WAITING", "ROWS RECEIVED");
            for (JsonNode p : list.path("data")) {
                String snapshot = p.path("snapshot_version").asText();
                t.row(p.path("id").asText(), p.path("token_id").asText(), p.path("version").asText(),
                        snapshot.isEmpty() ? "-" : snapshot.substring(0, Math.min(12, snapshot.length())),
                        p.has("up_to_date") ? (p.path("up_to_date").asBoolean() ? "yes" : "no") : "-",
                        KeysCommand.date(p.get("last_contact")), p.path("rows_waiting").asText("0"), p.path("rows_received").asText("0"));
            }
            return t.toString();
        }
    }
}
