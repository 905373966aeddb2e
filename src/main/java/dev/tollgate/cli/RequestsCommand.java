package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** {@code tollgate requests list --since 1d --key …}: the request records of a running gateway, newest first. */
@Command(name = "requests", mixinStandardHelpOptions = true, description = "Request records of a running gateway.",
        subcommands = {RequestsCommand.ListRequests.class})
public final class RequestsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List request records, newest first (one page).")
    static final class ListRequests extends KeysCommand.AdminCall {
        @Option(names = "--since", description = "How far back: 1d (default), 24h, 7d, ...") String since = "1d";
        @Option(names = "--key") String key;
        @Option(names = "--user") String user;
        @Option(names = "--team") String team;
        @Option(names = "--model") String model;
        @Option(names = "--endpoint") String endpoint;
        @Option(names = "--status", description = "A status code (429) or a class (5xx)") String status;
        @Option(names = "--limit", description = "Records per page, 1 to 200 (default 50)") int limit = 50;
        @Option(names = "--before", description = "The cursor a previous page printed, for the page after it") String before;

        @Override
        JsonNode run(AdminClient client) throws Exception {
            long from = System.currentTimeMillis() / 1000 - Durations.seconds(since, "--since");
            StringBuilder q = new StringBuilder("/admin/v1/requests?from=").append(from).append("&limit=").append(limit);
            param(q, "key", key);
            param(q, "user", user);
            param(q, "team", team);
            param(q, "model", model);
            param(q, "endpoint", endpoint);
            param(q, "status", status);
            param(q, "before", before);
            return client.get(q.toString());
        }

        private static void param(StringBuilder q, String name, String value) {
            if (value != null) q.append('&').append(name).append('=').append(AdminClient.encode(value));
        }

        @Override
        String render(JsonNode page) {
            Table t = new Table("TIME", "KEY", "USER", "TEAM", "MODEL", "ENDPOINT", "STATUS", "IN", "OUT", "COST USD", "MS", "FINDINGS")
                    .rightAlign(6, 7, 8, 9, 10);
            for (JsonNode r : page.path("data")) {
                StringBuilder findings = new StringBuilder();
                for (JsonNode f : r.path("findings")) {
                    findings.append(findings.isEmpty() ? "" : ",").append(f.path("policy").asText()).append(':').append(f.path("action").asText());
                }
                t.row(r.path("time").asText(), text(r, "key_id"), text(r, "user_id"), text(r, "team_id"), text(r, "model"),
                        r.path("endpoint").asText(), r.path("status").asInt(), r.path("input_tokens").asLong(), r.path("output_tokens").asLong(),
                        new BigDecimal(r.path("cost_usd").asText("0")).setScale(4, RoundingMode.HALF_UP).toPlainString(),
                        text(r, "latency_ms"), findings.isEmpty() ? "-" : findings);
            }
            String next = page.path("next").isTextual() ? "Next page: --before " + page.path("next").asText() + "\n" : "";
            return t + next;
        }

        private static String text(JsonNode r, String field) {
            JsonNode v = r.path(field);
            return v.isMissingNode() || v.isNull() ? "-" : v.asText();
        }
    }
}
