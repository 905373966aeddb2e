package dev.tollgate.admin;

import dev.tollgate.store.UsageQueries;
import dev.tollgate.usage.Cost;

import java.util.List;
import java.util.Locale;

/**
 * A usage report as CSV (RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line
 * break quoted, quotes doubled). A text value a spreadsheet would run as a formula (starting with
 * =, +, -, @, a tab or a carriage return) gets a leading apostrophe: ids and model names come from
 * callers and must not become formulas in whoever opens the file.
 */
final class UsageCsv {

    static final String HEADER = "group,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd";

    private UsageCsv() {}

    static TextReply of(UsageQueries.GroupBy by, List<UsageQueries.Row> rows) {
        StringBuilder b = new StringBuilder(HEADER).append("\r\n");
        for (UsageQueries.Row r : rows) {
            b.append(field(r.group())).append(',').append(r.requests()).append(',').append(r.inputTokens()).append(',')
                    .append(r.cachedInputTokens()).append(',').append(r.outputTokens()).append(',').append(r.reasoningTokens()).append(',')
                    .append(Cost.plainUsd(r.costNanoUsd())).append("\r\n");
        }
        return new TextReply("text/csv; charset=utf-8", "tollgate-usage-by-" + by.name().toLowerCase(Locale.ROOT) + ".csv", b.toString());
    }

    /** One text field, neutralised against formulas and quoted when it needs to be. */
    static String field(String v) {
        if (v == null || v.isEmpty()) return "";
        char first = v.charAt(0);
        if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r') v = "'" + v;
        boolean quote = v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0;
        return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }
}
