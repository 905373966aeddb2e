package dev.tollgate.hybrid;

import dev.tollgate.access.KeySecrets;
import dev.tollgate.store.Database;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Data-plane tokens and data-plane records on every dialect (the V4 migration included). */
class DataPlaneTokensTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void tokensAreStoredHashedFoundWhileActiveAndRevokedOnce(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind);
             Database db = Database.open(Database.Target.of(t.setting(), t.user(), null, 2))) {
            DataPlaneTokens.Issued issued = db.write(c -> DataPlaneTokens.create(c, "eu-west", 1_000)).get();
            String secret = issued.secret();
            assertThat(DataPlaneTokens.looksLikeToken(secret)).isTrue();
            assertThat(issued.token().prefix()).isEqualTo(secret.substring(0, 13));
            try (Connection c = t.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT secret_hash FROM dataplane_tokens")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(KeySecrets.hash(secret)).doesNotContain(secret);
            }
            assertThat(db.read(c -> DataPlaneTokens.active(c, secret)).get().id()).isEqualTo(issued.token().id());
            assertThat(db.read(c -> DataPlaneTokens.active(c, secret + "x")).get()).isNull();

            DataPlaneTokens.Token revoked = db.write(c -> DataPlaneTokens.revoke(c, issued.token().id(), 2_000)).get();
            assertThat(revoked.revokedAt()).isEqualTo(2_000);
            assertThat(db.write(c -> DataPlaneTokens.revoke(c, issued.token().id(), 3_000)).get().revokedAt()).isEqualTo(2_000);
            assertThat(db.read(c -> DataPlaneTokens.active(c, secret)).get()).isNull();
            assertThat(db.write(c -> DataPlaneTokens.revoke(c, "dpt_missing", 3_000)).get()).isNull();
            assertThat(revoked.toJson().toString()).isEqualTo("{\"object\":\"tollgate.dataplane_token\",\"id\":\"" + issued.token().id()
                    + "\",\"name\":\"eu-west\",\"prefix\":\"" + issued.token().prefix() + "\",\"status\":\"revoked\",\"created_at\":1,\"revoked_at\":2}");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aDataPlaneContactIsUpsertedKeepingItsFirstContact(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind);
             Database db = Database.open(Database.Target.of(t.setting(), t.user(), null, 2))) {
            db.write(c -> {
                DataPlaneTokens.contact(c, new DataPlaneTokens.DataPlane("dp_1", "dpt_a", "1.0", "v1", 1_000, 1_000));
                DataPlaneTokens.contact(c, new DataPlaneTokens.DataPlane("dp_1", "dpt_a", "1.1", "v2", 9_000, 5_000));
                DataPlaneTokens.contact(c, new DataPlaneTokens.DataPlane("dp_0", "dpt_b", "1.0", "v2", 2_000, 2_000));
                return null;
            }).get();
            assertThat(db.read(DataPlaneTokens::dataPlanes).get()).containsExactly(
                    new DataPlaneTokens.DataPlane("dp_0", "dpt_b", "1.0", "v2", 2_000, 2_000),
                    new DataPlaneTokens.DataPlane("dp_1", "dpt_a", "1.1", "v2", 1_000, 5_000));
        }
    }

    @Test
    void onlyWellFormedTokensLookLikeTokens() {
        assertThat(DataPlaneTokens.looksLikeToken(DataPlaneTokens.newSecret())).isTrue();
        assertThat(DataPlaneTokens.looksLikeToken(KeySecrets.newSecret())).isFalse();
        assertThat(DataPlaneTokens.looksLikeToken("tgdp-short")).isFalse();
        assertThat(DataPlaneTokens.looksLikeToken("tgdp-" + "a".repeat(31) + "!")).isFalse();
        assertThat(DataPlaneTokens.looksLikeToken(null)).isFalse();
        assertThat(List.of(DataPlaneTokens.newSecret(), DataPlaneTokens.newSecret())).doesNotHaveDuplicates();
    }
}
