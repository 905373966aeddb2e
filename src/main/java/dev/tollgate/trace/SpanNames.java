package dev.tollgate.trace;

import dev.tollgate.api.Endpoint;
import io.opentelemetry.api.common.AttributeKey;

import java.util.List;

import static io.opentelemetry.api.common.AttributeKey.booleanKey;
import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringArrayKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

/**
 * The names spans are given and the attributes they carry: OpenTelemetry's HTTP and GenAI
 * semantic conventions where they name one, {@code tollgate.*} for the gateway's own.
 */
final class SpanNames {

    private SpanNames() {}

    static final String REQUEST_POLICIES = "policies request";
    static final String ANSWER_POLICIES = "policies answer";

    // HTTP (stable conventions)
    static final AttributeKey<String> HTTP_METHOD = stringKey("http.request.method");
    static final AttributeKey<String> HTTP_ROUTE = stringKey("http.route");
    static final AttributeKey<Long> HTTP_STATUS = longKey("http.response.status_code");
    static final AttributeKey<Long> HTTP_RESEND_COUNT = longKey("http.request.resend_count");
    static final AttributeKey<String> URL_PATH = stringKey("url.path");
    static final AttributeKey<String> URL_SCHEME = stringKey("url.scheme");
    static final AttributeKey<String> URL_FULL = stringKey("url.full");
    static final AttributeKey<String> SERVER_ADDRESS = stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = longKey("server.port");
    static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");

    // GenAI
    static final AttributeKey<String> GEN_AI_OPERATION = stringKey("gen_ai.operation.name");
    static final AttributeKey<String> GEN_AI_PROVIDER = stringKey("gen_ai.provider.name");
    static final AttributeKey<String> GEN_AI_REQUEST_MODEL = stringKey("gen_ai.request.model");
    static final AttributeKey<Long> GEN_AI_MAX_TOKENS = longKey("gen_ai.request.max_tokens");
    static final AttributeKey<Double> GEN_AI_TEMPERATURE = doubleKey("gen_ai.request.temperature");
    static final AttributeKey<Double> GEN_AI_TOP_P = doubleKey("gen_ai.request.top_p");
    static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = stringKey("gen_ai.response.model");
    static final AttributeKey<String> GEN_AI_RESPONSE_ID = stringKey("gen_ai.response.id");
    static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> GEN_AI_FINISH_REASONS = stringArrayKey("gen_ai.response.finish_reasons");

    // Tollgate's own
    static final AttributeKey<String> REQUEST_ID = stringKey("tollgate.request_id");
    static final AttributeKey<String> CALLER_TRACE_ID = stringKey("tollgate.caller_trace_id");
    static final AttributeKey<String> KEY_ID = stringKey("tollgate.key_id");
    static final AttributeKey<Boolean> STREAM = booleanKey("tollgate.stream");
    static final AttributeKey<Double> COST_USD = doubleKey("tollgate.cost_usd");
    static final AttributeKey<String> DEPLOYMENT = stringKey("tollgate.deployment");
    static final AttributeKey<List<String>> POLICIES = stringArrayKey("tollgate.policies");
    static final AttributeKey<String> POLICY_OUTCOME = stringKey("tollgate.policy.outcome");
    static final AttributeKey<String> POLICY_ERROR_CODE = stringKey("tollgate.policy.error_code");
    static final AttributeKey<List<String>> FINDINGS = stringArrayKey("tollgate.findings");
    static final AttributeKey<Long> ANSWER_FRAMES = longKey("tollgate.answer.frames");
    static final AttributeKey<Long> POLICIES_TIME_US = longKey("tollgate.policies.time_us");
    static final AttributeKey<String> REQUEST_BODY = stringKey("tollgate.request.body");
    static final AttributeKey<String> RESPONSE_BODY = stringKey("tollgate.response.body");

    /**
     * {@code gen_ai.operation.name} of an endpoint, or null where the GenAI conventions name none
     * (images, speech, moderations, files, ...): Anthropic's Messages API is a chat too.
     */
    static String operation(Endpoint endpoint) {
        return switch (endpoint.kind()) {
            case CHAT_COMPLETIONS, RESPONSES -> endpoint.countTokens() ? null : "chat";
            case COMPLETIONS -> "text_completion";
            case EMBEDDINGS -> "embeddings";
            default -> null;
        };
    }

    /** {@code gen_ai.provider.name} of a Tollgate provider id: the conventions' names where they differ. */
    static String provider(String tollgateProvider) {
        return switch (tollgateProvider) {
            case "azure" -> "azure.ai.openai";
            case "gemini" -> "gcp.gemini";
            default -> tollgateProvider;
        };
    }

    /** The HTTP route of an endpoint ("/v1/chat/completions", "/v1/files/{id}"), or null when the catalog has none. */
    static String route(Endpoint endpoint) {
        if (!endpoint.routed()) return null;
        String pattern = endpoint.route().pattern();
        if (pattern == null || pattern.isEmpty()) return null;
        return "/v1" + pattern;
    }
}
