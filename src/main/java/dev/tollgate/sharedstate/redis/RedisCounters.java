package dev.tollgate.sharedstate.redis;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.limits.Denial;
import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.CounterStore;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.Hold;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Rate-limit windows, concurrency slots and budgets in Redis, shared by every replica. Each
 * admission is one call of one Lua script (EVALSHA, EVAL when Redis lost its script cache) that
 * checks every subject and budget and then counts in all of them, or in none; each settlement is
 * one more. Budget period starts are reckoned on this replica's clock (the key names a period);
 * window and reservation times are Redis's own.
 */
public final class RedisCounters implements CounterStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");
    private static final String SCRIPT = load();
    private static final String SHA = sha1(SCRIPT);
    /** Tokens are doubles in Lua: kept below 2^50 so they stay exact. */
    private static final long MAX_TOKENS = 1L << 50;
    private static final String[] WINDOWS = {"rpm", "rph", "rpd", "tpm"};
    /** Arguments before an admission's subjects (id, ttl, tokens, subjects, budgets, worst), and per subject. */
    private static final int ADMIT_HEAD = 6, SUBJECT_ARGS = 6;

    private final Redis redis;
    private final ScriptCalls calls;
    private static final int MAX_CACHED_PARTS = 10_000;
    private final ConcurrentHashMap<RateLimiter.Subject, Part> subjectParts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BudgetPeriodRef, BudgetPart> budgetParts = new ConcurrentHashMap<>();
    private final RedisKeys keys;
    private final long ttlMs;
    private final long timeoutMs;
    private final LongSupplier clock;
    private final String replica = Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final AtomicLong sequence = new AtomicLong();

    public RedisCounters(Redis redis, String prefix, long reservationTtlMs, long timeoutMs, LongSupplier clock) {
        this.redis = redis;
        this.calls = new ScriptCalls(redis, SCRIPT, SHA, timeoutMs);
        this.keys = RedisKeys.of(prefix);
        this.ttlMs = reservationTtlMs;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
    }

    // ---- admission ---------------------------------------------------------------------------

    @Override
    public Future<Decision> admit(Claim claim) {
        long now = clock.getAsLong();
        String id = replica + "-" + Long.toHexString(sequence.incrementAndGet());
        long tokens = Math.min(MAX_TOKENS, Math.max(0, claim.tokens()));
        long worst = Micros.up(claim.worstNanoUsd());
        List<RateLimiter.Subject> subjects = limited(claim.subjects());
        if (subjects.isEmpty() && claim.accounts().isEmpty()) {
            // Nothing to count (a key without limits or budgets): no round trip.
            return Future.succeededFuture(Decision.admitted(new RedisHold(id, 0, List.of(), List.of(), null, 0), List.of()));
        }
        ScriptOp op = ScriptOp.of("admit").arg(id).arg(ttlMs).arg(tokens).arg(subjects.size()).arg(claim.accounts().size()).arg(worst);
        subjectArgs(subjects, op);
        long[] starts = new long[claim.accounts().size()];
        for (int j = 0; j < starts.length; j++) {
            BudgetAccount a = claim.accounts().get(j);
            starts[j] = a.budget().period().start(now);
            BudgetPeriodRef ref = new BudgetPeriodRef(a.subject(), a.budget(), starts[j]);
            BudgetPart p = budgetParts.get(ref);
            if (p == null) p = cached(budgetParts, ref, this::budgetPart);
            op.part(p.args(), p.keys()).arg(p.expireAt() == 0 ? 0 : Math.max(1, p.expireAt() - now));
        }
        return calls.call(op).map(r -> {
            long kind = r.get(0).toLong();
            if (kind == 1) {
                long at = r.get(1).toLong();
                List<WindowState> windows = states(subjects, r, 2);
                int next = 2 + windows.size() * 2;
                for (int j = 0; j < starts.length; j++) {
                    claim.accounts().get(j).noteRemainingSeen(starts[j], Micros.toNano(r.get(next + j).toLong()));
                }
                return Decision.admitted(new RedisHold(id, at, subjects, claim.accounts(), op, tokens), windows);
            }
            if (kind == 0) {
                RateLimiter.Subject s = subjects.get(r.get(1).toInteger() - 1);
                Denial d = new Denial(s.name(), r.get(2).toString(), r.get(3).toLong(), r.get(4).toLong());
                return Decision.limited(d, states(subjects, r, 5));
            }
            if (kind == 2) {
                int j = r.get(1).toInteger() - 1;
                long remaining = Micros.toNano(r.get(2).toLong());
                claim.accounts().get(j).noteRemainingSeen(starts[j], remaining);
                return Decision.overBudget(claim.accounts().get(j), remaining);
            }
            List<BudgetAccount> unknown = new ArrayList<>();
            for (int i = 1; i < r.size(); i++) unknown.add(claim.accounts().get(r.get(i).toInteger() - 1));
            return Decision.periodsUnknown(unknown);
        });
    }

    /**
     * Milliseconds a budget's keys live: until a day after its period ends (reservations settling
     * late still find them); 0 for a total budget, which never expires.
     */
    private static long expireIn(BudgetAccount a, long periodStart, long now) {
        long end = a.budget().period().end(periodStart);
        return end == Long.MAX_VALUE ? 0 : Math.max(1, end - now) + 86_400_000L;
    }

    private static List<RateLimiter.Subject> limited(List<RateLimiter.Subject> subjects) {
        List<RateLimiter.Subject> out = new ArrayList<>(subjects.size());
        for (RateLimiter.Subject s : subjects) if (!s.limits().isEmpty()) out.add(s);
        return out;
    }

    private void subjectArgs(List<RateLimiter.Subject> subjects, ScriptOp op) {
        for (RateLimiter.Subject s : subjects) {
            Part p = subjectParts.get(s);
            if (p == null) p = cached(subjectParts, s, this::subjectPart);
            op.part(p.args(), p.keys());
        }
    }

    /** A subject's arguments (name, rpm, rph, rpd, tpm, concurrent) and keys: the same for every request. */
    private Part subjectPart(RateLimiter.Subject s) {
        Limits l = s.limits();
        long[] limits = {l.rpm(), l.rph(), l.rpd(), l.tpm()};
        List<String> args = new ArrayList<>(6);
        List<String> keyNames = new ArrayList<>(9);
        args.add(s.name());
        for (int w = 0; w < 4; w++) {
            args.add(Long.toString(Math.min(MAX_TOKENS, limits[w])));
            if (limits[w] > 0) {
                keyNames.add(keys.window(s.name(), WINDOWS[w]));
                keyNames.add(keys.windowSlots(s.name(), WINDOWS[w]));
            }
        }
        args.add(Long.toString(l.concurrent()));
        if (l.concurrent() > 0) keyNames.add(keys.inFlight(s.name()));
        return new Part(List.copyOf(args), List.copyOf(keyNames));
    }

    /**
     * A budget period's keys and amount argument, and when its keys may expire (0: never).
     * {@code expireAt} is kept rather than a time-to-live so the part can be reused.
     */
    private record BudgetPart(List<String> args, List<String> keys, long expireAt) {}

    private record BudgetPeriodRef(String subject, Budget budget, long periodStart) {}

    private BudgetPart budgetPart(BudgetPeriodRef ref) {
        String b = keys.budget(ref.subject(), ref.budget(), ref.periodStart());
        long end = ref.budget().period().end(ref.periodStart());
        return new BudgetPart(List.of(Long.toString(Micros.down(ref.budget().amountNanoUsd()))), List.of(b, keys.reservations(b)),
                end == Long.MAX_VALUE ? 0 : end + 86_400_000L);
    }

    /** Arguments and keys an admission repeats for the same subject: built once, not per request. */
    private record Part(List<String> args, List<String> keys) {}

    /** Parts are few (keys, users, teams, models) but client IPs come and go: past a bound, start afresh. */
    private static <K, V> V cached(ConcurrentHashMap<K, V> cache, K key, Function<K, V> make) {
        if (cache.size() >= MAX_CACHED_PARTS) cache.clear();
        return cache.computeIfAbsent(key, make);
    }

    /** The script's (used, reset) pairs, in the order rpm, rph, rpd, tpm, concurrent of each subject. */
    private static List<WindowState> states(List<RateLimiter.Subject> subjects, Response r, int from) {
        List<WindowState> out = new ArrayList<>();
        int i = from;
        for (RateLimiter.Subject s : subjects) {
            Limits l = s.limits();
            long[] limits = {l.rpm(), l.rph(), l.rpd(), l.tpm()};
            for (int w = 0; w < 4; w++) {
                if (limits[w] <= 0) continue;
                long used = r.get(i).toLong();
                out.add(new WindowState(s.name(), WINDOWS[w], limits[w], used, Math.max(0, limits[w] - used), r.get(i + 1).toLong()));
                i += 2;
            }
            if (l.concurrent() > 0) {
                long used = r.get(i).toLong();
                out.add(new WindowState(s.name(), "concurrent", l.concurrent(), used, Math.max(0, l.concurrent() - used), 0));
                i += 2;
            }
        }
        return out;
    }

    // ---- reading -------------------------------------------------------------------------------

    @Override
    public Future<List<WindowState>> windows(List<RateLimiter.Subject> wanted) {
        List<RateLimiter.Subject> subjects = limited(wanted);
        if (subjects.isEmpty()) return Future.succeededFuture(List.of());
        ScriptOp op = ScriptOp.of("state").arg(subjects.size());
        subjectArgs(subjects, op);
        // Settlements deferred on any event loop are counted first, so the figures are exact.
        return calls.flushAll().compose(v -> calls.call(op)).map(r -> states(subjects, r, 0));
    }

    @Override
    public Future<List<BudgetState>> budgets(List<BudgetAccount> accounts) {
        if (accounts.isEmpty()) return Future.succeededFuture(List.of());
        long now = clock.getAsLong();
        ScriptOp op = ScriptOp.of("budgets").arg(accounts.size());
        for (BudgetAccount a : accounts) {
            String b = keys.budget(a.subject(), a.budget(), a.budget().period().start(now));
            op.key(b).key(keys.reservations(b));
        }
        return calls.flushAll().compose(v -> calls.call(op)).map(r -> {
            List<BudgetState> out = new ArrayList<>(accounts.size());
            for (int j = 0; j < accounts.size(); j++) {
                BudgetAccount a = accounts.get(j);
                long spent = r.get(2 * j).toLong();
                if (spent < 0) {
                    // Nothing in Redis for this period yet: what this replica knows (the ledger at start-up plus its own calls).
                    out.add(new BudgetState(a.spent(now), a.remaining(now)));
                    continue;
                }
                long reserved = r.get(2 * j + 1).toLong();
                long amount = Micros.down(a.budget().amountNanoUsd());
                out.add(new BudgetState(Micros.toNano(spent), Micros.toNano(Math.max(0, amount - spent - reserved))));
            }
            return out;
        });
    }

    @Override
    public long remainingHint(BudgetAccount account, long now) {
        return account.remainingSeen(account.budget().period().start(now));
    }

    @Override
    public Future<Void> initPeriod(BudgetAccount account, long periodStart, long spentNanoUsd) {
        String b = keys.budget(account.subject(), account.budget(), periodStart);
        return calls.call(ScriptOp.of("init").key(b).arg(Micros.up(spentNanoUsd)).arg(expireIn(account, periodStart, clock.getAsLong())))
                .mapEmpty();
    }

    /** Has Redis cache the script (SCRIPT LOAD), so the first admissions need not send its text. */
    Future<Void> loadScript() {
        return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT)).timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
    }

    /** PING, for telling when Redis is back. */
    Future<Void> ping() {
        return redis.send(Request.cmd(Command.PING)).timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
    }

    @Override
    public void close() {
        calls.close();
    }

    // ---- settlement ----------------------------------------------------------------------------

    private final class RedisHold implements Hold {
        private final String id;
        private final long at;
        private final List<RateLimiter.Subject> subjects;
        private final List<BudgetAccount> accounts;
        /** The admission: its keys are the settlement's, and so are its subjects' limits. */
        private final ScriptOp admission;
        private final long reservedTokens;
        private boolean settled;

        RedisHold(String id, long at, List<RateLimiter.Subject> subjects, List<BudgetAccount> accounts, ScriptOp admission,
                  long reservedTokens) {
            this.id = id;
            this.at = at;
            this.subjects = subjects;
            this.accounts = accounts;
            this.admission = admission;
            this.reservedTokens = reservedTokens;
        }

        @Override
        public boolean limited() {
            return !subjects.isEmpty();
        }

        @Override
        public void settle(boolean refundRequest, long actualTokens, long costNanoUsd) {
            if (settled) return;
            settled = true;
            // This replica's own accounts follow what it spends, for counting locally should Redis become unreachable.
            long now = clock.getAsLong();
            for (BudgetAccount a : accounts) a.settle(0, costNanoUsd, now);
            if (subjects.isEmpty() && accounts.isEmpty()) return;
            long delta = actualTokens < 0 ? 0 : Math.min(MAX_TOKENS, actualTokens) - reservedTokens;
            List<String> args = new ArrayList<>(6 + subjects.size() * SUBJECT_ARGS + accounts.size());
            args.addAll(List.of(id, Long.toString(at), refundRequest ? "1" : "0", Long.toString(delta), Integer.toString(subjects.size()),
                    Integer.toString(accounts.size())));
            args.addAll(admission.args().subList(ADMIT_HEAD, ADMIT_HEAD + subjects.size() * SUBJECT_ARGS));
            String cost = Long.toString(Micros.up(costNanoUsd));
            for (int j = 0; j < accounts.size(); j++) args.add(cost);
            calls.defer(new ScriptOp("settle", admission.keys(), args));
        }
    }

    // ---- the script ----------------------------------------------------------------------------

    /** Sends every settlement deferred on any event loop (before shutting down). */
    @Override
    public Future<Void> flush() {
        return calls.flushAll();
    }

    @Override
    public void observeCalls(java.util.function.Supplier<dev.tollgate.sharedstate.CallObserver> observer) {
        calls.observer(observer.get());
    }

    private static String load() {
        try (InputStream in = RedisCounters.class.getResourceAsStream("counters.lua")) {
            if (in == null) throw new IllegalStateException("counters.lua missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
