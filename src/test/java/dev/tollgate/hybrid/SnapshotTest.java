package dev.tollgate.hybrid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.access.KeySecrets;
import dev.tollgate.budget.Budget;
import dev.tollgate.json.Json;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.limits.Limits;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotTest {

    static final String SECRET = KeySecrets.newSecret();

    static ApiKey key(String id, String name) {
        ObjectNode settings = Json.object();
        settings.put("POLICY_MAX_PROMPT_CHARS", 2000);
        return new ApiKey(id, name, KeySecrets.displayPrefix(SECRET), KeySecrets.hash(SECRET), KeySecrets.hash("tg-old"), 9_000,
                "alice", "research", Map.of("env", "prod"), List.of("gpt-4o-mini"), null, settings,
                new Limits(60, 1000, 0, 0, 2), new Budget(2_500_000_000L, dev.tollgate.budget.BudgetPeriod.MONTHLY),
                50_000, 1_000, 0, 2_000);
    }

    static Snapshot sample() {
        ObjectNode settings = Json.object();
        settings.put("TOLLGATE_UNPRICED_MODELS", "block");
        return Snapshot.of(settings, List.of(key("key_b", "two"), key("key_a", "one")),
                List.of(new Principal(Principal.Kind.TEAM, "research", new Limits(100, 0, 0, 0, 0), null, 3_000)), 7_000);
    }

    @Test
    void aSnapshotReadsBackAsItWasWrittenWithoutAnySecret() {
        Snapshot s = sample();
        byte[] bytes = s.toBytes();
        Snapshot back = Snapshot.parse(bytes);
        assertThat(back.version()).isEqualTo(s.version()).matches("[0-9a-f]{64}");
        assertThat(back.keys()).containsExactly(key("key_a", "one"), key("key_b", "two"));
        assertThat(back.principals()).isEqualTo(s.principals());
        assertThat(back.settings().toString()).isEqualTo("{\"TOLLGATE_UNPRICED_MODELS\":\"block\"}");
        assertThat(back.createdAt()).isEqualTo(7_000);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain(SECRET).contains(KeySecrets.hash(SECRET));
    }

    @Test
    void theVersionDependsOnTheContentOnly() {
        Snapshot a = sample();
        Snapshot b = Snapshot.of(a.settings(), List.of(key("key_a", "one"), key("key_b", "two")), a.principals(), 99_000);
        assertThat(b.version()).isEqualTo(a.version());
        Snapshot revoked = Snapshot.of(a.settings(), List.of(key("key_a", "one").revoked(8_000), key("key_b", "two")), a.principals(), 7_000);
        assertThat(revoked.version()).isNotEqualTo(a.version());
    }

    @Test
    void aChangedByteFailsTheChecksum() {
        String text = new String(sample().toBytes(), StandardCharsets.UTF_8).replace("\"one\"", "\"One\"");
        assertThatThrownBy(() -> Snapshot.parse(text.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(Snapshot.Invalid.class).hasMessage("checksum mismatch");
    }

    @Test
    void anythingButAWellFormedSnapshotIsInvalid() {
        assertThatThrownBy(() -> Snapshot.parse("nope".getBytes())).isInstanceOf(Snapshot.Invalid.class).hasMessage("not JSON");
        assertThatThrownBy(() -> Snapshot.parse("[]".getBytes())).isInstanceOf(Snapshot.Invalid.class).hasMessage("not a JSON object");
        String text = new String(sample().toBytes(), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Snapshot.parse(text.replace("\"schema\":1", "\"schema\":2").getBytes()))
                .isInstanceOf(Snapshot.Invalid.class).hasMessage("unknown schema 2");
        // Well checksummed, but a key without a proper hash: refused as a whole.
        ObjectNode content = Json.object();
        content.putObject("settings");
        ObjectNode k = Snapshot.keyJson(key("key_a", "one"));
        k.put("secret_hash", SECRET);
        content.putArray("keys").add(k);
        content.putArray("principals");
        ObjectNode root = Json.object();
        root.put("schema", 1);
        root.put("version", Snapshot.checksum(content));
        root.set("content", content);
        assertThatThrownBy(() -> Snapshot.parse(root.toString().getBytes()))
                .isInstanceOf(Snapshot.Invalid.class).hasMessage("key key_a: secret_hash is not a SHA-256");
    }
}
