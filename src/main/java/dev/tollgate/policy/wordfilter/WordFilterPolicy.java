package dev.tollgate.policy.wordfilter;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.wire.PromptText;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.SeedSettings;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Settings;
import dev.tollgate.policy.screen.ScreeningPolicy;
import dev.tollgate.policy.screen.TextMatcher;
import dev.tollgate.policy.screen.TextScreen;
import io.vertx.core.Future;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The seeds' word lists on requests and answers: {@code POLICY_REQUEST_WORDLIST} /
 * {@code POLICY_RESPONSE_WORDLIST} name lists ({@code profanity}, {@code adult}, {@code dan},
 * {@code custom} from POLICY_CUSTOM_WORDLIST, and any list file from TOLLGATE_WORDLIST_FILES) with
 * an action each: audit, redact (REDACTION_STRING) or block. Entries match as whole words after
 * Unicode normalisation, all lists in one pass; streamed answers hold back only what a word could
 * still span. Requests are screened in the end user's text (user and tool messages, prompts,
 * inputs); operator-written system text is not.
 */
public final class WordFilterPolicy extends ScreeningPolicy {

    public static final String ID = "word-filter";

    public static final Setting<WordListSpec> REQUEST_LISTS = Setting.restriction("POLICY_REQUEST_WORDLIST", "request-wordlists",
            WordListSpec.type(), WordListSpec.NONE, WordListSpec.strictness(),
            "Word lists applied to requests, in the seeds' format `profanity:block,dan:redact,custom:audit` "
            + "(spaces allowed); lists `profanity`, `adult`, `dan`, `custom` and those of "
            + "`TOLLGATE_WORDLIST_FILES`. See [Word lists](policies.md#word-lists). Header: every configured list, "
            + "with an action at least as severe (`audit` < `redact` < `block`); more lists may be added.");

    public static final Setting<WordListSpec> RESPONSE_LISTS = Setting.restriction("POLICY_RESPONSE_WORDLIST", "response-wordlists",
            WordListSpec.type(), WordListSpec.NONE, WordListSpec.strictness(),
            "Word lists applied to answers, whole or streamed; same format and header rule as "
            + "`POLICY_REQUEST_WORDLIST`.");

    public static final Setting<List<String>> CUSTOM = Setting.global("POLICY_CUSTOM_WORDLIST", SettingType.stringList(), List.of(),
            "Entries of the `custom` word list.");

    public static final Setting<Map<String, String>> FILES = Setting.global("TOLLGATE_WORDLIST_FILES", SettingType.stringMap(), Map.of(),
            "More word lists, name → file (one entry per line, `#` comments): `{codenames: /etc/tollgate/codenames.txt}`.");

    /** Above this many characters a request is screened on a worker thread. */
    private static final int OFFLOAD_ABOVE_CHARS = 65_536;

    /** The lists as configured: built-in, custom, files. Rebuilt only when those settings change. */
    private volatile Lists lists;
    /** Matchers by the ordered set of lists they cover (strictest first), shared by all requests. */
    private final Map<List<String>, TextMatcher> matchers = new ConcurrentHashMap<>();

    private record Lists(List<String> custom, Map<String, String> files, Map<String, List<String>> extra) {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(REQUEST_LISTS, RESPONSE_LISTS, CUSTOM, FILES);
    }

    @Override
    public List<String> validate(Settings settings) {
        List<String> errors = new ArrayList<>();
        Map<String, String> files = settings.get(FILES);
        for (var f : files.entrySet()) {
            if (WordMatcher.BUILT_IN_LISTS.contains(f.getKey()) || f.getKey().equals(WordMatcher.CUSTOM_LIST)) {
                errors.add(FILES.key() + ": '" + f.getKey() + "' is a built-in list name; pick another");
                continue;
            }
            try {
                WordListLoader.load(Path.of(f.getValue()));
            } catch (IOException | RuntimeException e) {
                errors.add(FILES.key() + ": list '" + f.getKey() + "' cannot be read from " + f.getValue());
            }
        }
        for (Setting<WordListSpec> s : List.of(REQUEST_LISTS, RESPONSE_LISTS)) {
            for (String name : settings.get(s).actions().keySet()) {
                if (!known(name, files)) errors.add(s.key() + ": unknown word list '" + name + "' (known: " + String.join(", ", knownNames(files)) + ")");
            }
        }
        return errors;
    }

    private static boolean known(String name, Map<String, String> files) {
        return WordMatcher.BUILT_IN_LISTS.contains(name) || name.equals(WordMatcher.CUSTOM_LIST) || files.containsKey(name);
    }

    private static List<String> knownNames(Map<String, String> files) {
        List<String> out = new ArrayList<>(WordMatcher.BUILT_IN_LISTS);
        out.add(WordMatcher.CUSTOM_LIST);
        out.addAll(files.keySet());
        return out;
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.endpoint().kind() != Endpoint.Kind.OTHER
                && !(ex.settings().get(REQUEST_LISTS).isEmpty() && ex.settings().get(RESPONSE_LISTS).isEmpty());
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        WordListSpec spec = ex.settings().get(REQUEST_LISTS);
        if (spec.isEmpty() || !ex.hasJsonBody()) return Verdict.PROCEED_FUTURE;
        TextScreen screen = screenFor(ex.settings(), spec);
        if (screen == null) {
            return Future.succeededFuture(Verdict.reject(unknownList(), new Finding(ID, "unknown_list", "a header named an unknown list", Finding.Action.BLOCK)));
        }
        List<PromptText.Segment> segments = new ArrayList<>();
        long chars = 0;
        for (PromptText.Segment s : PromptText.of(ex.endpoint().kind(), ex.body())) {
            // Earlier assistant text is not screened again, but the tool calls a caller sends back are.
            if (s.isInstruction() || s.role().equals("assistant") && !s.isToolCall()) continue;
            segments.add(s);
            chars += s.text().length();
        }
        if (segments.isEmpty()) return Verdict.PROCEED_FUTURE;
        return chars > OFFLOAD_ABOVE_CHARS
                ? ex.offload(() -> screenRequest(ex, screen, segments))
                : Future.succeededFuture(screenRequest(ex, screen, segments));
    }

    private Verdict screenRequest(Exchange ex, TextScreen screen, List<PromptText.Segment> segments) {
        List<Finding> findings = new ArrayList<>();
        boolean changed = false;
        for (PromptText.Segment s : segments) {
            String text = s.text();
            TextScreen.Screened r = screen.screen(text);
            for (TextScreen.Hit h : r.hits()) if (findings.size() < 50) findings.add(finding(h, "request"));
            if (r.block() != null) {
                String list = r.block().match().label();
                return new Verdict.Reject(ApiError.policyBlock(ID, "word_list_blocked",
                        "the request contains terms from the '" + list + "' word list.", null), findings);
            }
            if (r.changed(text)) {
                s.replace(r.text());
                changed = true;
            }
        }
        return changed ? new Verdict.Rewrite(ex.body(), findings) : new Verdict.Proceed(findings);
    }

    @Override
    protected TextScreen responseScreen(Exchange ex) {
        WordListSpec spec = ex.settings().get(RESPONSE_LISTS);
        return spec.isEmpty() ? null : screenFor(ex.settings(), spec);
    }

    @Override
    protected ApiError blockError(TextScreen.Hit hit) {
        return ApiError.policyBlock(ID, "word_list_blocked", "the answer contains terms from the '" + hit.match().label() + "' word list.", null);
    }

    @Override
    protected Finding finding(TextScreen.Hit hit, String where) {
        return new Finding(ID, hit.match().label(), where + " matched '" + entryOf(hit) + "'", hit.action());
    }

    private static String entryOf(TextScreen.Hit hit) {
        String t = hit.matchedText();
        return t.length() > 64 ? t.substring(0, 64) + "…" : t;
    }

    private static ApiError unknownList() {
        return new ApiError(400, ApiError.INVALID_REQUEST, "invalid_header_value", "A word-list header names an unknown list.", null);
    }

    /** The screen for this spec: one matcher over the spec's lists, strictest list first. Null for unknown lists. */
    private TextScreen screenFor(Settings settings, WordListSpec spec) {
        Lists l = listsFor(settings);
        for (String name : spec.actions().keySet()) if (!known(name, l.files())) return null;
        List<String> order = new ArrayList<>(spec.actions().keySet());
        order.sort(Comparator.comparingInt((String n) -> -WordListSpec.severity(spec.actions().get(n))));
        TextMatcher matcher = matchers.computeIfAbsent(List.copyOf(order), names -> adapt(build(names, l)));
        Map<String, Finding.Action> actions = spec.actions();
        return new TextScreen(matcher, actions::get, settings.get(SeedSettings.REDACTION_STRING));
    }

    private Lists listsFor(Settings settings) {
        List<String> custom = settings.get(CUSTOM);
        Map<String, String> files = settings.get(FILES);
        Lists l = lists;
        if (l != null && l.custom() == custom && l.files() == files) return l;
        Map<String, List<String>> extra = new HashMap<>();
        for (var f : files.entrySet()) {
            try {
                extra.put(f.getKey(), WordListLoader.load(Path.of(f.getValue())));
            } catch (IOException e) {
                extra.put(f.getKey(), List.of()); // validate() refused this at start-up
            }
        }
        matchers.clear();
        l = new Lists(custom, files, extra);
        lists = l;
        return l;
    }

    private static WordMatcher build(List<String> names, Lists l) {
        Map<String, List<String>> chosen = new LinkedHashMap<>();
        for (String n : names) {
            if (n.equals(WordMatcher.CUSTOM_LIST)) chosen.put(n, l.custom());
            else if (WordMatcher.BUILT_IN_LISTS.contains(n)) chosen.put(n, WordListLoader.builtIn(n));
            else chosen.put(n, l.extra().getOrDefault(n, List.of()));
        }
        return WordMatcher.of(chosen);
    }

    private static TextMatcher adapt(WordMatcher wm) {
        return new TextMatcher() {
            @Override
            public List<Match> find(String text) {
                List<WordMatcher.Match> found = wm.find(text);
                List<Match> out = new ArrayList<>(found.size());
                for (WordMatcher.Match m : found) out.add(new Match(m.start(), m.end(), m.list()));
                return out;
            }

            @Override
            public int holdbackChars() {
                return wm.holdbackChars();
            }

            @Override
            public int stableLength(String text) {
                return wm.stableLength(text);
            }
        };
    }
}
