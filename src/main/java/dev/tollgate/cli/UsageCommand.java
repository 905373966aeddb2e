package dev.tollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** {@code tollgate usage --by model --since 7d}: requests, tokens and cost from the ledger, as a table. */
@Command(name = "usage", mixinStandardHelpOptions = true, description = "Usage and cost report from a running gateway's ledger.")
public final class UsageCommand extends KeysCommand.AdminCall {

    @Option(names = "--by", description = "key, user, team, model (default), endpoint, data_plane or day") String by = "model";
    @Option(names = "--since", description = "How far back: 7d (default), 24h, ...") String since = "7d";
    @Option(names = "--key") String key;
    @Option(names = "--user") String user;
    @Option(names = "--team") String team;
    @Option(names = "--model") String model;
    @Option(names = "--data-plane", description = "Only rows served by this hybrid data plane (its id)") String dataPlane;

    @Override
    JsonNode run(AdminClient client) throws Exception {
        long from = System.currentTimeMillis() / 1000 - Durations.seconds(since, "--since");
        StringBuilder q = new StringBuilder("/admin/v1/usage?group_by=").append(AdminClient.encode(by.toLowerCase(Locale.ROOT)))
                .append("&from=").append(from);
        if (key != null) q.append("&key=").append(AdminClient.encode(key));
        if (user != null) q.append("&user=").append(AdminClient.encode(user));
        if (team != null) q.append("&team=").append(AdminClient.encode(team));
        if (model != null) q.append("&model=").append(AdminClient.encode(model));
        if (dataPlane != null) q.append("&data_plane=").append(AdminClient.encode(dataPlane));
        return client.get(q.toString());
    }

    @Override
    String render(JsonNode report) {
        Table t = new Table(by.toUpperCase(Locale.ROOT), "REQUESTS", "INPUT TOKENS", "CACHED", "OUTPUT TOKENS", "COST USD")
                .rightAlign(1, 2, 3, 4, 5);
        for (JsonNode r : report.path("data")) {
            t.row(r.path("group").isNull() ? "-" : r.path("group").asText(), r.path("requests").asLong(), r.path("input_tokens").asLong(),
                    r.path("cached_input_tokens").asLong(), r.path("output_tokens").asLong(), usd(r.path("cost_usd")));
        }
        JsonNode total = report.path("total");
        t.row("TOTAL", total.path("requests").asLong(), total.path("input_tokens").asLong(), "", total.path("output_tokens").asLong(),
                usd(total.path("cost_usd")));
        return "Usage from " + report.path("from").asText() + " to " + report.path("to").asText() + "\n" + t;
    }

    private static String usd(JsonNode v) {
        return new BigDecimal(v.asText("0")).setScale(4, RoundingMode.HALF_UP).toPlainString();
    }
}
