package dev.tollgate.policy.reflection;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.wire.PromptText;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.SeedSettings;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import dev.tollgate.policy.screen.ScreeningPolicy;
import dev.tollgate.policy.screen.TextScreen;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * POLICY_PROMPT_REFLECTION: text between pairs of PROMPT_REFLECTION_DELIMETER ("||") in system or
 * developer messages, Responses instructions, or a legacy prompt is protected. The delimiters are
 * removed before the request goes upstream; an answer that repeats a protected segment (compared
 * case- and whitespace-insensitively) is audited, redacted or blocked, in streams too.
 */
public final class PromptReflectionPolicy extends ScreeningPolicy {

    public static final String ID = "prompt-reflection";

    private static final List<String> LEVELS = List.of("none", "audit", "redact", "block");

    public static final Setting<String> MODE = Setting.restriction("POLICY_PROMPT_REFLECTION", "prompt-reflection",
            SettingType.oneOf("none", "audit", "redact", "block"), "none",
            (candidate, configured) -> LEVELS.indexOf(candidate) >= LEVELS.indexOf(configured),
            "What to do with an answer that repeats a protected prompt segment (see "
            + "`PROMPT_REFLECTION_DELIMETER`), streamed or whole: `none`, `audit`, `redact` (with "
            + "`REDACTION_STRING`) or `block`. Header: at least the configured level, `none` < `audit` < `redact` < "
            + "`block`.");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(MODE);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        Endpoint.Kind k = ex.endpoint().kind();
        return ex.hasJsonBody() && !ex.settings().get(MODE).equals("none")
                && (k == Endpoint.Kind.CHAT_COMPLETIONS || k == Endpoint.Kind.COMPLETIONS || k == Endpoint.Kind.RESPONSES);
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        String delimiter = ex.settings().get(SeedSettings.PROMPT_REFLECTION_DELIMETER);
        List<String> protectedSegments = new ArrayList<>();
        boolean changed = false;
        for (PromptText.Segment s : PromptText.of(ex.endpoint().kind(), ex.body())) {
            boolean eligible = s.isInstruction() || ex.endpoint().kind() == Endpoint.Kind.COMPLETIONS;
            if (!eligible) continue;
            String text = s.text();
            String stripped = extract(text, delimiter, protectedSegments);
            if (!stripped.equals(text)) {
                s.replace(stripped);
                changed = true;
            }
        }
        SegmentMatcher matcher = new SegmentMatcher(protectedSegments);
        if (!matcher.isEmpty()) {
            String mode = ex.settings().get(MODE);
            Finding.Action action = Finding.Action.valueOf(mode.toUpperCase(Locale.ROOT));
            String redaction = ex.settings().get(SeedSettings.REDACTION_STRING);
            ex.state(this, () -> new TextScreen(matcher, label -> action, redaction));
        }
        return Future.succeededFuture(changed ? Verdict.rewrite(ex.body()) : Verdict.proceed());
    }

    /** Removes delimiter pairs from text, collecting what they enclosed; an unpaired delimiter stays. */
    static String extract(String text, String delimiter, List<String> found) {
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        while (true) {
            int open = text.indexOf(delimiter, pos);
            if (open < 0) break;
            int close = text.indexOf(delimiter, open + delimiter.length());
            if (close < 0) break;
            String inner = text.substring(open + delimiter.length(), close);
            found.add(inner);
            out.append(text, pos, open).append(inner);
            pos = close + delimiter.length();
        }
        out.append(text, pos, text.length());
        return out.toString();
    }

    @Override
    protected TextScreen responseScreen(Exchange ex) {
        return ex.state(this, () -> (TextScreen) null);
    }

    @Override
    protected ApiError blockError(TextScreen.Hit hit) {
        return ApiError.policyBlock(ID, "prompt_reflection", "the answer reveals a protected part of the prompt.", null);
    }

    @Override
    protected Finding finding(TextScreen.Hit hit, String where) {
        // Never the protected text itself: the log must not leak what the policy protects.
        return new Finding(ID, "prompt_reflection", "the " + where + " repeats a protected prompt segment", hit.action());
    }
}
