package dev.tollgate.policy.promptsize;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.chain.Policy;
import dev.tollgate.wire.PromptText;
import dev.tollgate.chain.Verdict;
import dev.tollgate.config.Setting;
import dev.tollgate.config.SettingType;
import dev.tollgate.config.Strictness;
import dev.tollgate.usage.TokenCounter;
import com.knuddels.jtokkit.api.Encoding;
import io.vertx.core.Future;

import java.util.List;

/**
 * POLICY_MAX_PROMPT_CHARS caps the characters of all text a request sends (every message and
 * content part, prompts, inputs, instructions; counted in Unicode code points). The optional
 * TOLLGATE_MAX_PROMPT_TOKENS caps the same text counted with the model's tokenizer (text tokens
 * only: the few tokens of per-message framing are not counted).
 */
public final class PromptSizePolicy implements Policy {

    public static final String ID = "prompt-size";

    public static final Setting<Integer> MAX_PROMPT_CHARS = Setting.restriction("POLICY_MAX_PROMPT_CHARS", "max-prompt-chars",
            SettingType.integer(0, Integer.MAX_VALUE), 0, Strictness.capZeroUnlimited(),
            "Largest prompt, in characters (code points) of all text the request sends: every message and content "
            + "part, `prompt`, `input`, `instructions`; `0` = no cap. Header: a lower cap.");

    public static final Setting<Integer> MAX_PROMPT_TOKENS = Setting.restriction("TOLLGATE_MAX_PROMPT_TOKENS", "max-prompt-tokens",
            SettingType.integer(0, Integer.MAX_VALUE), 0, Strictness.capZeroUnlimited(),
            "Largest prompt in tokens of the model's tokenizer (o200k_base for GPT-4o and later, cl100k_base for "
            + "GPT-4/3.5; text tokens, without per-message framing); `0` = no cap. Header: a lower cap.");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(MAX_PROMPT_CHARS, MAX_PROMPT_TOKENS);
    }

    @Override
    public boolean appliesTo(Exchange ex) {
        return ex.hasJsonBody() && ex.endpoint().kind() != Endpoint.Kind.OTHER && (ex.settings().get(MAX_PROMPT_CHARS) > 0 || ex.settings().get(MAX_PROMPT_TOKENS) > 0);
    }

    @Override
    public Future<Verdict> onRequest(Exchange ex) {
        List<PromptText.Segment> segments = PromptText.of(ex.endpoint().kind(), ex.body());
        int maxChars = ex.settings().get(MAX_PROMPT_CHARS);
        if (maxChars > 0) {
            long chars = 0;
            for (PromptText.Segment s : segments) {
                String t = s.text();
                chars += t.codePointCount(0, t.length());
            }
            if (chars > maxChars) {
                return block("prompt_too_long", "the prompt has " + chars + " characters; this gateway allows at most " + maxChars + ".");
            }
        }
        int maxTokens = ex.settings().get(MAX_PROMPT_TOKENS);
        if (maxTokens <= 0) return Verdict.PROCEED_FUTURE;
        List<String> texts = segments.stream().map(PromptText.Segment::text).toList();
        long chars = texts.stream().mapToLong(String::length).sum();
        // Every token is at least one byte (and a char is at most 3 UTF-8 bytes in a String's
        // UTF-16): text that short cannot exceed the cap, so it is not tokenized at all.
        if (chars * 3 <= maxTokens || utf8Bytes(texts) <= maxTokens) return Verdict.PROCEED_FUTURE;
        String model = ex.model();
        // Tokenizing is CPU work: a large prompt is counted on the worker pool, never on the event loop.
        Future<Boolean> over = chars > OFFLOAD_ABOVE_CHARS
                ? ex.offload(() -> exceeds(model, texts, maxTokens))
                : Future.succeededFuture(exceeds(model, texts, maxTokens));
        return over.compose(tooMany -> tooMany
                ? block("prompt_too_many_tokens", "the prompt has more than " + maxTokens + " tokens, the most this gateway allows.")
                : Verdict.PROCEED_FUTURE);
    }

    private static final int OFFLOAD_ABOVE_CHARS = 16_384;

    private static long utf8Bytes(List<String> texts) {
        long bytes = 0;
        for (String t : texts) {
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
            }
        }
        return bytes;
    }

    private static boolean exceeds(String model, List<String> texts, int maxTokens) {
        Encoding enc = TokenCounter.encodingFor(model);
        long tokens = 0;
        for (String t : texts) {
            tokens += enc.countTokensOrdinary(t);
            if (tokens > maxTokens) return true;
        }
        return false;
    }

    private static Future<Verdict> block(String code, String message) {
        return Future.succeededFuture(Verdict.reject(ApiError.policyBlock(ID, code, message, null),
                new Finding(ID, code, message, Finding.Action.BLOCK)));
    }
}
