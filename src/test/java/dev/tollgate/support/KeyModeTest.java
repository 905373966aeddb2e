package dev.tollgate.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.json.Json;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Base for tests of key mode: a gateway with an admin token, its own SQLite file in a temporary
 * directory, and a clock the test moves by hand.
 */
public abstract class KeyModeTest extends GatewayTest {

    public static final String ADMIN = "admin-token-for-tests-0123456789";

    /** 2026-11-24T12:00:00Z: a Tuesday, mid-month. */
    protected final AtomicLong clock = new AtomicLong(1_795_521_600_000L);

    @TempDir
    protected Path dir;

    protected Path database() {
        return dir.resolve("tollgate.db");
    }

    /** Starts in key mode with these extra settings. */
    protected TestGateway startKeyMode(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        env.put("TOLLGATE_DATABASE", database().toString());
        env.put("OPENAI_API_KEY", "sk-provider-secret-key-000");
        env.putAll(extra);
        if (gateway != null) gateway.close();
        gateway = TestGateway.start(upstream, env, clock::get);
        return gateway;
    }

    protected HttpResponse<String> admin(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = gateway.request(path).header("Authorization", "Bearer " + ADMIN);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return gateway.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Creates a key through the admin API; the answer includes the secret ("key"). */
    protected JsonNode createKey(String json) throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/v1/keys", json);
        if (r.statusCode() != 201) throw new AssertionError("key not created: " + r.statusCode() + " " + r.body());
        return Json.parse(r.body());
    }

    /**
     * Waits until the ledger has stopped receiving rows for 100 ms: a row is queued as an exchange
     * completes, which can be a moment after the caller has read the answer.
     */
    protected void awaitLedgerQuiet() throws InterruptedException {
        dev.tollgate.store.Ledger ledger = gateway.gateway().access().ledger();
        long seen = -1;
        for (int i = 0; i < 100; i++) {
            long now = ledger.written() + ledger.queued();
            if (now == seen) return;
            seen = now;
            Thread.sleep(100);
        }
    }

    protected HttpResponse<String> chat(String secret, String body) throws Exception {
        return gateway.postJson("/v1/chat/completions", body, "Authorization", "Bearer " + secret);
    }

    protected static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** An OpenAI chat answer with this usage. */
    protected static String answer(int prompt, int completion) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
                + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}";
    }
}
