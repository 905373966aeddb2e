package dev.tollgate.deploy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A light reading of PromQL, enough to keep the dashboard's and the alert rules' queries honest where promtool is not
 * at hand: brackets balanced, every call a PromQL function or aggregation, every range a duration; and the metric
 * names a query reads.
 */
final class PromQl {

    static final Set<String> FUNCTIONS = Set.of(
            // aggregations
            "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
            // functions
            "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "day_of_month",
            "day_of_week", "days_in_month", "delta", "deriv", "exp", "floor", "histogram_quantile", "holt_winters", "hour",
            "idelta", "increase", "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute", "month",
            "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt", "time", "timestamp",
            "vector", "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
            "quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time");
    /** Words that take a parenthesised label list, and other keywords that are not metric names. */
    private static final Set<String> LABEL_LIST_WORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern CALL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\(");
    private static final Pattern RANGE = Pattern.compile("\\[([^\\]]*)\\]");
    private static final Pattern DURATION = Pattern.compile("(\\d+(ms|s|m|h|d|w|y))+|\\$__rate_interval|\\$__interval|\\$__range");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private PromQl() {}

    /** What is wrong with {@code expr}; empty when it reads as PromQL. */
    static List<String> problems(String expr) {
        List<String> problems = new ArrayList<>();
        if (expr == null || expr.isBlank()) return List.of("empty expression");
        String code = STRING.matcher(expr).replaceAll("0");
        if (code.contains("\"") || code.contains("'")) problems.add("unclosed string");
        Deque<Character> open = new ArrayDeque<>();
        for (char c : code.toCharArray()) {
            if (c == '(' || c == '[' || c == '{') open.push(c);
            else if (c == ')' || c == ']' || c == '}') {
                char expected = c == ')' ? '(' : c == ']' ? '[' : '{';
                if (open.isEmpty() || open.pop() != expected) {
                    problems.add("unbalanced '" + c + "'");
                    return problems;
                }
            }
        }
        if (!open.isEmpty()) problems.add("unclosed '" + open.peek() + "'");
        Matcher call = CALL.matcher(code);
        while (call.find()) {
            String name = call.group(1);
            if (!FUNCTIONS.contains(name) && !LABEL_LIST_WORDS.contains(name)) problems.add("unknown function " + name);
        }
        Matcher range = RANGE.matcher(code);
        while (range.find()) {
            String inside = range.group(1).trim();
            String length = inside.contains(":") ? inside.substring(0, inside.indexOf(':')) : inside; // subquery [5m:1m]
            if (!DURATION.matcher(length).matches()) problems.add("range [" + inside + "] is not a duration");
        }
        return problems;
    }

    /** The metric names {@code expr} reads, in order. */
    static Set<String> metricNames(String expr) {
        String code = STRING.matcher(expr).replaceAll(" ");
        code = code.replaceAll("\\{[^}]*}", " ");                                             // label matchers
        code = code.replaceAll("\\[[^\\]]*]", " ");                                           // ranges
        code = code.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        code = code.replaceAll("\\b\\d+(\\.\\d+)?(e[+-]?\\d+)?\\b", " ");                    // numbers
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(code);
        while (m.find()) {
            String word = m.group();
            boolean called = code.substring(m.end()).stripLeading().startsWith("(");
            if (!called && !KEYWORDS.contains(word) && !FUNCTIONS.contains(word)) names.add(word);
        }
        return names;
    }
}
