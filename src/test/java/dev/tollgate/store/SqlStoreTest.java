package dev.tollgate.store;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.json.Json;
import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;
import dev.tollgate.limits.Limits;
import dev.tollgate.support.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The store behaves the same on SQLite, PostgreSQL and MariaDB: one suite, run against each. */
class SqlStoreTest {

    /** 2026-11-24T00:00:00Z. */
    private static final long MIDNIGHT = 1_795_478_400_000L;

    private static Database open(TestDatabase t) throws Exception {
        return Database.open(Database.Target.of(t.setting(), t.user(), null, 2));
    }

    private static ApiKey key(String id, String hash, String user, long createdAt) throws Exception {
        return new ApiKey(id, "svc " + id, "tg-" + id.substring(4, 8), hash, null, 0, user, "research", Map.of("env", "prod"),
                List.of("gpt-4o-mini"), null, Json.object(), Limits.parse(Json.parse(Json.toBuffer(Json.object().put("rpm", 5))), "l"),
                Budget.parse(Json.parse(Json.toBuffer(Json.object().put("amount_usd", 2.5).put("period", "monthly"))), "b"), 0, createdAt, 0, 0);
    }

    private static LedgerRow row(String rowId, long ts, String key, String user, long cost) {
        return new LedgerRow(rowId, ts, "req_" + rowId, key, user, "research", "gpt-4o-mini", "/v1/chat/completions", 200,
                100, 10, 0, 20, 5, cost, "upstream", true);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void keysAreStoredReadBackAndFoundByIdHashOrChangeTime(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            ApiKey a = key("key_aaaa1111", "hash-a", "ann", 1_000);
            ApiKey b = key("key_bbbb2222", "hash-b", "bob", 2_000);
            db.write(c -> {
                KeyRepository.insert(c, a);
                KeyRepository.insert(c, b);
                return null;
            }).join();
            assertThat(db.read(KeyRepository::allKeys).join()).containsExactly(a, b);

            ApiKey rotated = a.rotated("tg-new0", "hash-a2", 9_000, 5_000);
            ApiKey revoked = b.revoked(6_000);
            db.write(c -> {
                KeyRepository.update(c, rotated);
                KeyRepository.update(c, revoked);
                return null;
            }).join();
            assertThat(db.read(c -> KeyChanges.byId(c, "key_aaaa1111")).join()).isEqualTo(rotated);
            assertThat(db.read(c -> KeyChanges.byHash(c, "hash-a2")).join()).isEqualTo(rotated);
            assertThat(db.read(c -> KeyChanges.byHash(c, "hash-a")).join()).isEqualTo(rotated); // its previous secret, in grace
            assertThat(db.read(c -> KeyChanges.byHash(c, "hash-x")).join()).isNull();
            assertThat(db.read(c -> KeyChanges.since(c, 5_500)).join()).extracting(KeyChanges.Changed::key, KeyChanges.Changed::at)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(revoked, 6_000L));
            assertThat(db.read(c -> KeyChanges.since(c, 1_500)).join()).extracting(KeyChanges.Changed::at).containsExactly(5_000L, 6_000L);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void usersAndTeamsAreUpsertedAndDeleted(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            Limits five = Limits.parse(Json.parse(Json.toBuffer(Json.object().put("rpm", 5))), "l");
            Limits nine = Limits.parse(Json.parse(Json.toBuffer(Json.object().put("rpm", 9).put("concurrent", 2))), "l");
            Budget budget = new Budget(3_000_000_000L, BudgetPeriod.MONTHLY);
            db.write(c -> {
                KeyRepository.upsert(c, new Principal(Principal.Kind.USER, "ann", five, null, 10));
                KeyRepository.upsert(c, new Principal(Principal.Kind.USER, "ann", nine, budget, 20));
                KeyRepository.upsert(c, new Principal(Principal.Kind.TEAM, "research", five, null, 30));
                return null;
            }).join();
            assertThat(db.read(KeyRepository::allPrincipals).join()).containsExactly(
                    new Principal(Principal.Kind.TEAM, "research", five, null, 30), new Principal(Principal.Kind.USER, "ann", nine, budget, 20));
            assertThat(db.read(c -> KeyChanges.principal(c, Principal.Kind.USER, "ann")).join())
                    .isEqualTo(new Principal(Principal.Kind.USER, "ann", nine, budget, 20));
            assertThat(db.write(c -> KeyRepository.delete(c, Principal.Kind.USER, "ann")).join()).isTrue();
            assertThat(db.write(c -> KeyRepository.delete(c, Principal.Kind.USER, "ann")).join()).isFalse();
            assertThat(db.read(c -> KeyChanges.principal(c, Principal.Kind.USER, "ann")).join()).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aLedgerRowWrittenTwiceIsStoredOnceAndReportsGroupByUtcDay(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            LedgerSpool spool = new LedgerSpool(java.nio.file.Files.createTempDirectory("tg-spool").resolve("ledger-spool.jsonl"));
            Ledger ledger = new Ledger(db, 100, 60_000, spool);
            ledger.record(row("lr_1", MIDNIGHT - 1, "key_a", "ann", 1_000));
            ledger.record(row("lr_2", MIDNIGHT, "key_a", "ann", 2_000));
            ledger.record(row("lr_3", MIDNIGHT + 3_600_000, "key_b", "bob", 4_000));
            ledger.flush();
            spool.append(List.of(row("lr_2", MIDNIGHT, "key_a", "ann", 2_000))); // the same row again: a replayed spool
            ledger.flush();
            assertThat(ledger.written()).isEqualTo(3);
            assertThat(ledger.replayed()).isEqualTo(1);
            assertThat(rowIds(t)).containsExactly("lr_1", "lr_2", "lr_3");

            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.DAY, 0, Long.MAX_VALUE, Map.of())).join()).containsExactly(
                    new UsageQueries.Row("2026-11-23", 1, 100, 10, 20, 5, 1_000),
                    new UsageQueries.Row("2026-11-24", 2, 200, 20, 40, 10, 6_000));
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.KEY, MIDNIGHT, Long.MAX_VALUE, Map.of())).join()).containsExactly(
                    new UsageQueries.Row("key_b", 1, 100, 10, 20, 5, 4_000),
                    new UsageQueries.Row("key_a", 1, 100, 10, 20, 5, 2_000));
            assertThat(db.read(c -> UsageQueries.report(c, UsageQueries.GroupBy.MODEL, 0, Long.MAX_VALUE, Map.of("user", "ann"))).join())
                    .containsExactly(new UsageQueries.Row("gpt-4o-mini", 2, 200, 20, 40, 10, 3_000));
            assertThat(db.read(c -> UsageQueries.spentSince(c, "user_id", "ann", MIDNIGHT)).join()).isEqualTo(2_000);
            assertThat(db.read(c -> UsageQueries.spentSince(c, "key_id", "key_a", 0)).join()).isEqualTo(3_000);
            ledger.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void theSchemaHasBothMigrationsAndReopensWithoutChange(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind)) {
            open(t).close();
            open(t).close(); // a second start finds it up to date
            List<String> versions = new ArrayList<>();
            try (Connection c = t.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT version, success FROM flyway_schema_history ORDER BY installed_rank")) {
                while (rs.next()) versions.add(rs.getString(1) + ":" + rs.getBoolean(2));
            }
            assertThat(versions).containsExactly("1:true", "2:true", "3:true", "4:true", "5:true", "6:true");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void everyInsertAndUpdateOfAKeyStampsUpdatedAt(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            ApiKey a = key("key_aaaa1111", "hash-a", "ann", 1_000);
            ApiKey b = key("key_bbbb2222", "hash-b", "bob", 2_000);
            db.write(c -> {
                KeyRepository.insert(c, a);
                KeyRepository.insert(c, b, 2_500); // an explicit stamp
                return null;
            }).join();
            assertThat(updatedAt(t)).containsExactly("key_aaaa1111=1000", "key_bbbb2222=2500");

            db.write(c -> {
                KeyRepository.update(c, a.revoked(7_000));
                KeyRepository.update(c, b.rotated("tg-new0", "hash-b2", 8_000, 4_000));
                return null;
            }).join();
            assertThat(updatedAt(t)).containsExactly("key_aaaa1111=7000", "key_bbbb2222=4000");

            db.write(c -> {
                KeyRepository.update(c, b.rotated("tg-new0", "hash-b2", 8_000, 4_000), 9_000); // a change no time column shows
                return null;
            }).join();
            assertThat(updatedAt(t)).containsExactly("key_aaaa1111=7000", "key_bbbb2222=9000");
            assertThat(db.read(c -> KeyChanges.since(c, 7_000)).join()).extracting(ch -> ch.key().id() + "@" + ch.at())
                    .containsExactly("key_aaaa1111@7000", "key_bbbb2222@9000");
            assertThat(db.read(c -> KeyChanges.since(c, 9_001)).join()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void replicasAreRecordedHeartbeatListedAndRemoved(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase t = TestDatabase.create(kind); Database db = open(t)) {
            db.write(c -> {
                ReplicaRepository.heartbeat(c, new ReplicaRepository.Replica("rep_b", 2_000, 2_000, "redis"));
                ReplicaRepository.heartbeat(c, new ReplicaRepository.Replica("rep_a", 1_000, 1_000, "memory"));
                ReplicaRepository.heartbeat(c, new ReplicaRepository.Replica("rep_c", 500, 500, "replica"));
                ReplicaRepository.heartbeat(c, new ReplicaRepository.Replica("rep_a", 1_000, 10_000, "memory")); // the same replica, later
                return null;
            }).join();
            assertThat(db.read(c -> ReplicaRepository.aliveSince(c, 1_500, "rep_self")).join()).containsExactly(
                    new ReplicaRepository.Replica("rep_a", 1_000, 10_000, "memory"),
                    new ReplicaRepository.Replica("rep_b", 2_000, 2_000, "redis"));
            assertThat(db.read(c -> ReplicaRepository.aliveSince(c, 0, "rep_a")).join()).extracting(ReplicaRepository.Replica::id)
                    .containsExactly("rep_b", "rep_c");

            db.write(c -> {
                ReplicaRepository.remove(c, "rep_c");
                ReplicaRepository.remove(c, "rep_x"); // never there: nothing happens
                return null;
            }).join();
            assertThat(db.read(c -> ReplicaRepository.aliveSince(c, 0, "rep_self")).join()).extracting(ReplicaRepository.Replica::id)
                    .containsExactly("rep_a", "rep_b");
        }
    }

    private static List<String> updatedAt(TestDatabase t) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = t.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, updated_at FROM api_keys ORDER BY created_at")) {
            while (rs.next()) out.add(rs.getString(1) + "=" + rs.getLong(2));
        }
        return out;
    }

    private static List<String> rowIds(TestDatabase t) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = t.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT row_id FROM ledger ORDER BY row_id")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
