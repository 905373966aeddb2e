package dev.tollgate.access;

import dev.tollgate.keys.ApiKey;
import dev.tollgate.keys.Principal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ApiError;
import dev.tollgate.api.Endpoint;
import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.chain.Caller;
import dev.tollgate.chain.Exchange;
import dev.tollgate.chain.Finding;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.HeaderOverrides;
import dev.tollgate.config.SettingCatalog;
import dev.tollgate.config.Settings;
import dev.tollgate.limits.Denial;
import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.limits.WindowState;
import dev.tollgate.store.Database;
import dev.tollgate.store.KeyRepository;
import dev.tollgate.store.Ledger;
import dev.tollgate.store.TextRetention;
import dev.tollgate.store.LedgerRow;
import dev.tollgate.store.LedgerSpool;
import dev.tollgate.store.UsageQueries;
import dev.tollgate.usage.Cost;
import dev.tollgate.usage.CostBound;
import dev.tollgate.usage.ModelPrice;
import dev.tollgate.usage.PriceTable;
import dev.tollgate.usage.Saturating;
import dev.tollgate.usage.TokenEstimate;
import dev.tollgate.usage.TokenUsage;
import dev.tollgate.upstream.ForwardedHeaders;
import dev.tollgate.sharedstate.ChangeFeed;
import dev.tollgate.sharedstate.SharedStateSettings;
import dev.tollgate.sharedstate.redis.RedisChangeFeed;
import dev.tollgate.sharedstate.Claim;
import dev.tollgate.sharedstate.CounterStore;
import dev.tollgate.sharedstate.Decision;
import dev.tollgate.sharedstate.LocalCounters;
import dev.tollgate.sharedstate.SharedStateUnavailable;
import dev.tollgate.sharedstate.redis.SharedCounters;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Who may call and how much: authenticates Tollgate keys, applies rate limits and budgets before
 * a call, and afterwards prices it, settles budgets and records it in the ledger. Everything on
 * the request path is in memory; the database is touched only by the store's threads.
 */
public final class AccessControl implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("tollgate");

    /** Bodies up to this size are tokenized for estimates; larger ones are bounded by their byte count. */
    private static final int TOKENIZE_MAX_BYTES = 64 * 1024;

    private final boolean keyMode;
    private final String adminToken;
    private final LongSupplier clock;
    private final KeyRegistry keys;
    private final Budgets budgets = new Budgets();
    private final LocalCounters localCounters;
    /** Where limits and budgets are counted: {@link #localCounters}, or Redis shared by replicas. */
    private volatile CounterStore counters;
    private volatile KeySync sync;
    private volatile ReplicaPresence presence;
    /** Limits and budgets counted per replica by choice (TOLLGATE_LIMITS_SCOPE=replica): each request line says so. */
    private volatile boolean perReplica;
    /** The newest updated_at of the keys loaded at start-up: where the first poll for changes starts. */
    private long newestKeyUpdate;
    /** Prices and the limits shared by all callers: swapped whole when a data plane's control plane changes them. */
    private volatile AccessRules rules;
    private final boolean keyInPath;
    private final ClientAddress clientAddress;
    private final Database db;
    private final Ledger ledger;
    private final TextRetention retention;
    private final LedgerSpool spool;
    /** Where a data plane's ledger rows go instead of a database (hybrid mode), or null. */
    private volatile RowSink rowSink;

    /** Takes ledger rows where there is no database: a hybrid data plane sends them to its control plane. */
    public interface RowSink extends AutoCloseable {
        /** Queues a row; never blocks. False when it was dropped. */
        boolean record(LedgerRow row);

        @Override
        void close();
    }

    /** Without a database: what a budget spent in a period, from elsewhere (null: nowhere). */
    private volatile java.util.function.BiFunction<BudgetAccount, Long, Future<Long>> periodSource;

    private AccessControl(Settings s, SettingCatalog catalog, LongSupplier clock, Database db, LedgerSpool spool) {
        this.keyMode = AccessSettings.keyMode(s);
        this.adminToken = s.get(AccessSettings.ADMIN_TOKEN);
        this.clock = clock;
        this.keys = new KeyRegistry(catalog);
        this.localCounters = new LocalCounters(clock);
        this.counters = localCounters;
        this.rules = AccessRules.of(s);
        this.keyInPath = s.get(AccessSettings.KEY_IN_PATH);
        this.clientAddress = ClientAddress.of(s.get(AccessSettings.TRUSTED_PROXIES));
        this.db = db;
        this.spool = spool;
        this.ledger = db == null ? null : new Ledger(db, s.get(AccessSettings.LEDGER_QUEUE_SIZE), s.get(AccessSettings.LEDGER_FLUSH_MS), spool);
        this.retention = db == null ? null : new TextRetention(db, clock, s.get(AccessSettings.REQUEST_RECORDS_RETENTION_DAYS));
    }

    /** Problems in the limit and price settings, each naming its key (config check and start-up). */
    public static List<String> validate(Settings s) {
        List<String> errors = new ArrayList<>();
        try {
            AccessRules.modelLimits(s.get(AccessSettings.MODEL_LIMITS));
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        try {
            Limits.parse(s.get(AccessSettings.IP_LIMITS), AccessSettings.IP_LIMITS.key());
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        try {
            ClientAddress.of(s.get(AccessSettings.TRUSTED_PROXIES));
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        String databaseProblem = databaseUrlProblem(s.get(AccessSettings.DATABASE));
        if (databaseProblem != null) errors.add(databaseProblem);
        String redisUrl = s.get(dev.tollgate.sharedstate.SharedStateSettings.REDIS_URL);
        if (redisUrl != null && !redisUrl.isBlank() && !redisUrl.trim().matches("(?i)rediss?://[^/\\s]+(/\\d+)?/?")) {
            // The value is not repeated: it may hold a password.
            errors.add(dev.tollgate.sharedstate.SharedStateSettings.REDIS_URL.key() + ": expected redis://host:port[/db] or rediss://host:port[/db]");
        }
        try {
            PriceTable.builtIn().withOverrides(s.get(AccessSettings.PRICES));
        } catch (IllegalArgumentException e) {
            errors.add(AccessSettings.PRICES.key() + ": " + e.getMessage());
        }
        return errors;
    }

    /**
     * Starts access control: in key mode opens the database (migrating it), loads keys, users and
     * teams, and what each budget has spent in its current period. Blocking: call at start-up only.
     */
    public static AccessControl open(Settings s, SettingCatalog catalog, LongSupplier clock) {
        return open(s, catalog, clock, System::getenv);
    }

    /** As above, reading the database password from {@code env} (the variable TOLLGATE_DATABASE_PASSWORD_ENV names). */
    public static AccessControl open(Settings s, SettingCatalog catalog, LongSupplier clock, java.util.function.Function<String, String> env) {
        List<String> errors = validate(s);
        if (!errors.isEmpty()) throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", errors));
        if (!AccessSettings.keyMode(s)) return new AccessControl(s, catalog, clock, null, null);
        LedgerSpool spool;
        try {
            spool = LedgerSpool.open(java.nio.file.Path.of(s.get(AccessSettings.DATA_DIR)));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot use " + AccessSettings.DATA_DIR.key() + ": " + e.getMessage(), e);
        }
        Database db;
        Database.Target target = null;
        try {
            target = databaseTarget(s, env);
            db = Database.open(target);
        } catch (Exception e) {
            spool.release();
            String where = target != null ? target.display() : "(" + AccessSettings.DATABASE.key() + ")";
            throw new IllegalStateException("cannot open the database " + where + ": " + e.getMessage(), e);
        }
        AccessControl ac = new AccessControl(s, catalog, clock, db, spool);
        try {
            ac.load();
        } catch (RuntimeException e) {
            ac.close();
            throw e;
        }
        return ac;
    }

    /**
     * Key mode without a database (a hybrid data plane): keys, users and teams come from outside,
     * through {@link #replaceKeys}; ledger rows go to the {@link RowSink} given (usage shipping).
     */
    public static AccessControl withoutDatabase(Settings s, SettingCatalog catalog, LongSupplier clock) {
        List<String> errors = validate(s);
        if (!errors.isEmpty()) throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", errors));
        return new AccessControl(s.with(AccessSettings.KEY_MODE, true).with(AccessSettings.ADMIN_TOKEN, null), catalog, clock, null, null);
    }

    /**
     * Makes the registry hold exactly these keys, users and teams (a data plane's new snapshot):
     * changed ones are replaced, missing ones forgotten; a budget that stays keeps what it spent.
     */
    public synchronized void replaceKeys(List<ApiKey> newKeys, List<Principal> newPrincipals) {
        long now = clock.getAsLong();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (ApiKey k : newKeys) {
            ids.add(k.id());
            KeyRegistry.Entry old = keys.byId(k.id());
            if (old == null || !old.key().equals(k)) keys.put(k);
            budgets.set("key:" + k.id(), k.budget(), 0, now);
        }
        for (ApiKey k : keys.keys()) {
            if (!ids.contains(k.id())) {
                keys.removeKey(k.id());
                budgets.remove("key:" + k.id());
            }
        }
        java.util.Set<String> subjects = new java.util.HashSet<>();
        for (Principal p : newPrincipals) {
            subjects.add(p.subject());
            if (!p.equals(keys.principal(p.kind(), p.id()))) keys.put(p);
            budgets.set(p.subject(), p.budget(), 0, now);
        }
        for (Principal p : List.copyOf(keys.principals())) {
            if (!subjects.contains(p.subject())) {
                keys.remove(p.kind(), p.id());
                budgets.remove(p.subject());
            }
        }
    }

    /** The database of the settings; a server's password comes from the variable TOLLGATE_DATABASE_PASSWORD_ENV names. */
    public static Database.Target databaseTarget(Settings s, java.util.function.Function<String, String> env) {
        String url = s.get(AccessSettings.DATABASE).trim();
        String problem = databaseUrlProblem(url);
        if (problem != null) throw new IllegalArgumentException(problem);
        String password = dev.tollgate.secret.PasswordVariable.read(AccessSettings.DATABASE_PASSWORD_ENV.key(),
                s.get(AccessSettings.DATABASE_PASSWORD_ENV), env);
        return Database.Target.of(url, s.get(AccessSettings.DATABASE_USER), password, s.get(AccessSettings.DATABASE_POOL_SIZE));
    }

    /**
     * What is wrong with a TOLLGATE_DATABASE value by itself (a password in it, a JDBC URL of no
     * supported database), or null: checked by {@code config check} as well as at start-up. The
     * value is shown only without its parameters, and never when it holds a password.
     */
    static String databaseUrlProblem(String value) {
        return value == null ? null : Database.Target.problem(AccessSettings.DATABASE.key(), value, "in " + AccessSettings.DATABASE_PASSWORD_ENV.key());
    }

    private void load() {
        long now = clock.getAsLong();
        db.writeNow(c -> {
            for (ApiKey k : KeyRepository.allKeys(c)) {
                keys.put(k);
                newestKeyUpdate = Math.max(newestKeyUpdate, dev.tollgate.store.KeyChanges.changedAt(k));
                if (k.budget() != null) {
                    budgets.set("key:" + k.id(), k.budget(),
                            UsageQueries.spentSince(c, "key_id", k.id(), k.budget().period().start(now)), now);
                }
            }
            for (Principal p : KeyRepository.allPrincipals(c)) {
                keys.put(p);
                if (p.budget() != null) {
                    String column = p.kind() == Principal.Kind.USER ? "user_id" : "team_id";
                    budgets.set(p.subject(), p.budget(), UsageQueries.spentSince(c, column, p.id(), p.budget().period().start(now)), now);
                }
            }
            return null;
        });
    }

    /**
     * With {@code TOLLGATE_REDIS_URL} set, counts limits and budgets in Redis, shared by every replica
     * (this replica's memory stays the fallback of {@code TOLLGATE_SHARED_STATE_ON_ERROR=local}).
     */
    public void shareCounters(io.vertx.core.Vertx vertx, Settings s, java.util.function.Function<String, String> env) {
        SharedCounters shared = SharedCounters.fromSettings(vertx, s, env, localCounters, clock);
        if (shared != null) {
            shared.warmUp();
            counters = shared;
        }
    }

    /**
     * Keeps keys, users and teams in step with other replicas (key mode): a Redis change feed when
     * {@code TOLLGATE_REDIS_URL} is set, and a poll of the database every {@code TOLLGATE_KEY_CACHE_SECONDS}.
     */
    public void syncKeys(io.vertx.core.Vertx vertx, Settings s, java.util.function.Function<String, String> env) {
        if (db == null) return;
        io.vertx.redis.client.RedisOptions redis = SharedCounters.redisOptions(s, env);
        ChangeFeed feed = redis == null ? ChangeFeed.NONE : new RedisChangeFeed(vertx, redis, s.get(SharedStateSettings.REDIS_PREFIX));
        sync = new KeySync(db, keys, budgets, feed, s.get(SharedStateSettings.KEY_CACHE_SECONDS) * 1000L, clock);
        sync.start(newestKeyUpdate);
        String state = redis != null ? "redis" : s.get(SharedStateSettings.LIMITS_SCOPE).equals("replica") ? "replica" : "memory";
        perReplica = state.equals("replica");
        presence = ReplicaPresence.join(db, java.nio.file.Path.of(s.get(AccessSettings.DATA_DIR)), state);
    }

    /** Counts limits and budgets in this store instead (a hybrid data plane's leases). */
    public void useCounters(CounterStore store) {
        counters = store;
    }

    /**
     * Where a budget period unknown to the shared store starts from when there is no ledger here
     * (a hybrid data plane with Redis asks its control plane): what the budget spent from the start.
     */
    public void periodsFrom(java.util.function.BiFunction<BudgetAccount, Long, Future<Long>> spentSince) {
        periodSource = spentSince;
    }

    /** Where limits and budgets are counted (tests look). */
    public CounterStore counters() {
        return counters;
    }

    public void pricingModel(java.util.function.UnaryOperator<String> f) { this.rules = rules.pricedAs(f); }

    /** The gateway-wide rules in force now: what requests that do not bring their own are judged and priced by. */
    public AccessRules rules() { return rules; }

    /** Puts new gateway-wide rules in force (a data plane's new snapshot); requests under way keep the ones they started with. */
    public void rules(AccessRules next) { this.rules = next; }
    public boolean keyMode() { return keyMode; }
    public boolean keyInPath() { return keyInPath; }
    public KeyRegistry keys() { return keys; }
    public Budgets budgets() { return budgets; }
    public Database database() { return db; }
    public Ledger ledger() { return ledger; }

    /** A data plane's rows go to {@code sink} (it has no database); closed with this. */
    public void sendRowsTo(RowSink sink) { this.rowSink = sink; }

    /** Where a data plane's rows go, or null. */
    public RowSink rowSink() { return rowSink; }

    /** Deletes old prompt and answer texts of request records (null without a database). */
    public TextRetention retention() { return retention; }
    public PriceTable prices() { return rules.prices(); }
    public long now() { return clock.getAsLong(); }

    /** The client's address for per-IP limits: the connection's, or X-Forwarded-For's behind a trusted proxy. */
    public String clientIp(String remote, String forwardedFor) {
        return clientAddress.resolve(remote, forwardedFor);
    }

    /** Whether this bearer value is the admin token (constant time). */
    public boolean isAdmin(String presented) {
        return adminToken != null && !adminToken.isEmpty() && KeySecrets.constantTimeEquals(adminToken, presented);
    }

    public boolean adminEnabled() {
        return adminToken != null && !adminToken.isEmpty();
    }

    // ---- authentication --------------------------------------------------------------------

    /** The caller's key, or the 401 to answer with. */
    public record Auth(KeyRegistry.Entry entry, ApiError error, String unknownSecret) {
        Auth(KeyRegistry.Entry entry, ApiError error) {
            this(entry, error, null);
        }
    }

    /**
     * Finds the caller's key: {@code x-tollgate-api-key} (or {@code x-usagepanda-api-key}), the
     * key in the path, or {@code Authorization: Bearer tg-…}. Nothing of a presented value is ever
     * echoed back.
     */
    public Auth authenticate(MultiMap headers, String pathKey) {
        String presented = HeaderOverrides.control(headers, "api-key");
        if (presented == null) presented = pathKey;
        if (presented == null) {
            String anthropicSdk = headers.get("x-api-key"); // what the Anthropic SDKs send
            if (anthropicSdk != null && anthropicSdk.trim().startsWith(KeySecrets.PREFIX)) presented = anthropicSdk.trim();
        }
        if (presented == null) {
            presented = ForwardedHeaders.bearerToken(headers.get(HttpHeaders.AUTHORIZATION));
        }
        if (presented == null || presented.isEmpty()) {
            return unauthorized("missing_api_key", "You didn't provide an API key. Send your Tollgate key as "
                    + "'Authorization: Bearer tg-…' or in the x-tollgate-api-key header.");
        }
        presented = presented.trim();
        if (!KeySecrets.looksLikeKey(presented)) {
            return unauthorized("invalid_api_key", "Incorrect API key provided. This gateway takes Tollgate keys (tg-…), "
                    + "not provider keys.");
        }
        long now = clock.getAsLong();
        KeyRegistry.Entry e = keys.bySecret(presented, now);
        if (e == null) return new Auth(null, unauthorized("invalid_api_key", "Incorrect API key provided.").error(), presented);
        return switch (e.key().status(now)) {
            case REVOKED -> unauthorized("invalid_api_key", "This API key has been revoked.");
            case EXPIRED -> unauthorized("invalid_api_key", "This API key has expired.");
            case ACTIVE -> new Auth(e, null);
        };
    }

    /**
     * As {@link #authenticate}, and a key this replica has never seen is looked up in the database
     * (another replica may have made it a moment ago). Already complete, with no thread hop, for a
     * known key; the continuation runs on the calling context otherwise.
     */
    public io.vertx.core.Future<Auth> authenticateAsync(MultiMap headers, String pathKey) {
        Auth a = authenticate(headers, pathKey);
        if (a.unknownSecret() == null || sync == null) return io.vertx.core.Future.succeededFuture(a);
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        io.vertx.core.Promise<Auth> promise = io.vertx.core.Promise.promise();
        sync.lookUp(KeySecrets.hash(a.unknownSecret())).whenComplete((entry, err) -> {
            Runnable done = () -> promise.complete(entry == null ? a : authenticate(headers, pathKey));
            if (context != null) context.runOnContext(v -> done.run());
            else done.run();
        });
        return promise.future();
    }

    /** Tells every replica that a key, user or team changed ("key:&lt;id&gt;", "user:&lt;id&gt;", "team:&lt;id&gt;"). */
    public void announce(String change) {
        if (sync != null) sync.announce(change);
    }

    /** The key synchronisation across replicas, or null (not key mode). */
    public KeySync sync() {
        return sync;
    }

    private static Auth unauthorized(String code, String message) {
        return new Auth(null, new ApiError(401, ApiError.INVALID_REQUEST, code, message, null));
    }

    public static Caller caller(ApiKey k) {
        return new Caller(k.id(), k.prefix(), k.user(), k.team());
    }

    // ---- admission -------------------------------------------------------------------------

    /**
     * Checks a request before anything is spent on it: model allowed for the key, priced (when
     * unpriced models are refused), rate limits of every subject, budgets. On success the
     * admission holds the counts and reservations, released by {@link #complete}. With counters
     * in memory the future is already complete; with shared counters it completes when the store
     * answers (one round trip, more only to count a prompt exactly or to start a budget period).
     */
    public Future<Admission> admit(Exchange ex, KeyRegistry.Entry key, String clientIp, long bodyBytes) {
        return admit(rules, ex, key, clientIp, bodyBytes);
    }

    /** As above, under the given gateway-wide rules (those the request started with). */
    public Future<Admission> admit(AccessRules rules, Exchange ex, KeyRegistry.Entry key, String clientIp, long bodyBytes) {
        ApiKey k = key == null ? null : key.key();
        String model = ex.model();
        if (k != null && !k.allowsModel(model)) {
            return refused(new ApiError(403, "permission_error", "model_not_allowed",
                    "This API key may not use model '" + ApiError.clip(model) + "'.", "model"));
        }
        ModelPrice price = null;
        if (model != null && priced(ex.endpoint().kind())) {
            price = rules.priceOf(model);
            if (price == null && rules.blockUnpriced()) {
                return refused(new ApiError(403, "permission_error", "model_not_priced",
                        "Model '" + ApiError.clip(model) + "' has no price in this gateway's price table, and unpriced models are refused.", "model"));
            }
            if (price == null && k != null && budgeted(k)) {
                // Priced at zero it would spend nothing against the budget, whatever it cost.
                return refused(new ApiError(403, "permission_error", "cost_not_bounded", "Model '" + ApiError.clip(model)
                        + "' has no price in this gateway's price table, and this API key has a budget: an admin can add its price "
                        + "(TOLLGATE_PRICES).", "model"));
            }
        }

        // Pass-through with no model or IP limits: nothing to count or reserve.
        if (k == null && !rules.hasModelLimits() && rules.ipLimits().isEmpty()) return Future.succeededFuture(Admission.nothingHeld(price, bodyBytes));

        List<RateLimiter.Subject> subjects = subjects(rules, k, model, clientIp);
        List<BudgetAccount> accounts = accounts(k);
        boolean needTokens = false;
        for (RateLimiter.Subject s : subjects) needTokens |= s.limits().tpm() > 0;
        long outputCap = outputCap(ex, price);
        // What the prompt bills beyond its text (images, audio, unseen context): scanned only when
        // something is reserved, so keys without token limits or budgets never pay for it.
        CostBound media = CostBound.NONE;
        if ((needTokens || !accounts.isEmpty()) && ex.hasJsonBody() && (ex.rawBody() == null || !CostBound.plainText(ex.rawBody()))) {
            media = CostBound.of(ex.body(), ex.endpoint().kind(), price);
        }
        if (!accounts.isEmpty() && price != null) {
            ApiError notBounded = media.refusal(model, price);
            if (notBounded != null) return refused(notBounded);
        }
        Attempt t = new Attempt(ex, k, subjects, accounts, needTokens, price, media, outputCap, bodyBytes);
        if (!accounts.isEmpty() && t.canCount && nearlySpent(accounts, t.worst(), clock.getAsLong())) {
            // Close to a budget's end the bound's slack could turn calls away early: count exactly.
            t.countExactly();
        }
        Future<Decision> first;
        try {
            first = counters.admit(t.claim());
        } catch (RuntimeException e) {
            first = Future.failedFuture(e);
        }
        return decided(t, first, 0);
    }

    /**
     * Reservations start from a bound that costs nothing to compute: a token is at least one byte,
     * so a prompt's text has at most as many tokens as its bytes (+3 for the reply). Only when a
     * limit or budget refuses on that bound is the prompt tokenized (exactly), and the request
     * tried again; either way the reservation is settled to the actual count later.
     */
    private final class Attempt {
        final Exchange ex;
        final ApiKey key;
        final List<RateLimiter.Subject> subjects;
        final List<BudgetAccount> accounts;
        final boolean needTokens;
        final ModelPrice price;
        final CostBound media;
        final long outputCap;
        final long bodyBytes;
        final long bound;
        final long textBytes;
        final boolean canCount;
        long promptTokens = -1;

        Attempt(Exchange ex, ApiKey key, List<RateLimiter.Subject> subjects, List<BudgetAccount> accounts, boolean needTokens,
                ModelPrice price, CostBound media, long outputCap, long bodyBytes) {
            this.ex = ex;
            this.key = key;
            this.subjects = subjects;
            this.accounts = accounts;
            this.needTokens = needTokens;
            this.price = price;
            this.media = media;
            this.outputCap = outputCap;
            this.bodyBytes = bodyBytes;
            boolean prompt = ex.hasJsonBody() && ex.endpoint().kind() != Endpoint.Kind.OTHER;
            this.bound = prompt ? media.byteBound(bodyBytes) : 0;
            this.textBytes = media.textBytes(bodyBytes);
            this.canCount = prompt && textBytes <= TOKENIZE_MAX_BYTES;
        }

        long prompt() {
            return promptTokens >= 0 ? media.withMedia(promptTokens) : bound;
        }

        long worst() {
            return accounts.isEmpty() ? 0 : worstCase(ex, price, media, prompt(), outputCap);
        }

        Claim claim() {
            long tokens = needTokens ? Saturating.add(prompt(), Math.max(0, outputCap)) : 0;
            return new Claim(subjects, tokens, accounts, worst());
        }

        void countExactly() {
            promptTokens = promptTokens(ex, textBytes);
        }

        /** Whether the refusal came from the byte bound's slack and an exact count could change it. */
        boolean worthCounting(Decision d) {
            return promptTokens < 0 && canCount && ((d.denial() != null && d.denial().tokens()) || d.shortAccount() != null);
        }
    }

    private Future<Admission> decided(Attempt t, Future<Decision> pending, int round) {
        return pending.transform(ar -> {
            if (ar.failed()) {
                if (!(ar.cause() instanceof SharedStateUnavailable)) {
                    LOG.warn("shared limits failed for request {}: {}", t.ex.requestId(), ar.cause().toString());
                }
                return unavailable();
            }
            Decision d = ar.result();
            if (d.local()) t.ex.limitsScope("local");
            else if (perReplica) t.ex.limitsScope("replica");
            if (d.admitted()) {
                MultiMap rateHeaders = d.hold().limited() ? headers(d.windows()) : null;
                return Future.succeededFuture(new Admission(null, rateHeaders, d.hold(), t.price, t.promptTokens, t.bodyBytes, t.key,
                        clock.getAsLong()));
            }
            if (!d.unknownPeriods().isEmpty()) {
                // The shared store has no figure for a budget's period (first use, or it lost it): start it from the ledger.
                if (round >= 2) return unavailable();
                return decided(t, startPeriods(d.unknownPeriods()).compose(v -> counters.admit(t.claim())), round + 1);
            }
            if (t.worthCounting(d)) {
                t.countExactly();
                return decided(t, counters.admit(t.claim()), round + 1);
            }
            if (d.denial() != null) {
                MultiMap h = headers(d.windows());
                if (d.denial().retryAfterMs() >= 0) h.set("retry-after", Long.toString(Math.max(1, (d.denial().retryAfterMs() + 999) / 1000)));
                return Future.succeededFuture(Admission.refusedByLimit(rateLimited(d.denial()), h, d.denial().window(), d.denial().subject()));
            }
            return Future.succeededFuture(Admission.refusedByLimit(overBudget(d.shortAccount(), d.remainingNanoUsd(), t.worst()), null,
                    "budget", d.shortAccount().subject()));
        });
    }

    /** Reads what each budget spent in its current period from the ledger (after writing what is queued) and gives it to the store. */
    private Future<Void> startPeriods(List<BudgetAccount> accounts) {
        long now = clock.getAsLong();
        var source = periodSource;
        if (db == null && source != null) {
            List<Future<Void>> all = new ArrayList<>(accounts.size());
            for (BudgetAccount a : accounts) {
                long start = a.budget().period().start(now);
                all.add(source.apply(a, start).compose(nano -> counters.initPeriod(a, start, nano)));
            }
            return Future.all(all).mapEmpty();
        }
        if (db == null) return Future.failedFuture(new SharedStateUnavailable("no ledger to start a budget period from"));
        List<Future<Void>> all = new ArrayList<>(accounts.size());
        for (BudgetAccount a : accounts) {
            long start = a.budget().period().start(now);
            String subject = a.subject();
            int colon = subject.indexOf(':');
            String column = switch (subject.substring(0, colon)) {
                case "user" -> "user_id";
                case "team" -> "team_id";
                default -> "key_id";
            };
            String id = subject.substring(colon + 1);
            Future<Long> spent = Future.fromCompletionStage(
                    ledger.flushAsync().thenCompose(v -> db.read(c -> UsageQueries.spentSince(c, column, id, start))));
            all.add(spent.compose(nano -> counters.initPeriod(a, start, nano)));
        }
        return Future.all(all).mapEmpty();
    }

    private static ApiError limitsUnavailable() {
        return new ApiError(503, "server_error", "limits_unavailable",
                "Rate limits and budgets cannot be checked right now (the shared counter store is unreachable). Try again shortly.", null);
    }

    private static Future<Admission> unavailable() {
        return Future.succeededFuture(Admission.refusedByLimit(limitsUnavailable(), null, "unavailable", null));
    }

    private static Future<Admission> refused(ApiError error) {
        return Future.succeededFuture(Admission.refused(error));
    }

    private static Future<Admission> refused(ApiError error, MultiMap headers) {
        return Future.succeededFuture(Admission.refused(error, headers));
    }

    /**
     * Gives back what an admission holds without charging anything: for an admission that arrived
     * after its request had already ended (the client left while the shared store answered).
     */
    public void release(Admission a) {
        if (a != null && a.hold != null) a.hold.settle(true, 0, 0);
    }

    /**
     * Whether some account has room for fewer than 1,000 more calls of this worst case: then the
     * slack of the byte bound could turn a call away that fits, and the prompt is counted exactly.
     */
    private boolean nearlySpent(List<BudgetAccount> accounts, long worst, long now) {
        for (BudgetAccount a : accounts) if (counters.remainingHint(a, now) / 1000 < worst) return true;
        return false;
    }

    private List<RateLimiter.Subject> subjects(AccessRules rules, ApiKey k, String model, String clientIp) {
        List<RateLimiter.Subject> out = new ArrayList<>(5);
        if (k != null) {
            if (!k.limits().isEmpty()) out.add(new RateLimiter.Subject("key:" + k.id(), k.limits()));
            Principal user = keys.principal(Principal.Kind.USER, k.user());
            if (user != null && !user.limits().isEmpty()) out.add(new RateLimiter.Subject(user.subject(), user.limits()));
            Principal team = keys.principal(Principal.Kind.TEAM, k.team());
            if (team != null && !team.limits().isEmpty()) out.add(new RateLimiter.Subject(team.subject(), team.limits()));
        }
        if (model != null) {
            Limits m = rules.modelLimits().get(model);
            if (m != null && !m.isEmpty()) out.add(new RateLimiter.Subject("model:" + model, m));
        }
        if (!rules.ipLimits().isEmpty() && clientIp != null) out.add(new RateLimiter.Subject("ip:" + clientIp, rules.ipLimits()));
        return out;
    }

    private List<BudgetAccount> accounts(ApiKey k) {
        if (k == null) return List.of();
        List<BudgetAccount> out = new ArrayList<>(3);
        BudgetAccount a = budgets.get("key:" + k.id());
        if (a != null) out.add(a);
        if (k.user() != null && (a = budgets.get("user:" + k.user())) != null) out.add(a);
        if (k.team() != null && (a = budgets.get("team:" + k.team())) != null) out.add(a);
        return out;
    }

    /** Whether the key, its user or its team has a budget. */
    public boolean budgeted(ApiKey k) {
        if (k == null) return false;
        if (k.budget() != null) return true;
        Principal user = keys.principal(Principal.Kind.USER, k.user());
        if (user != null && user.budget() != null) return true;
        Principal team = keys.principal(Principal.Kind.TEAM, k.team());
        return team != null && team.budget() != null;
    }

    /** Whether some model has rate limits of its own (TOLLGATE_MODEL_LIMITS). */
    public boolean hasModelLimits() {
        return rules.hasModelLimits();
    }

    /** The rate-limit windows a caller has, for GET /ratelimit. */
    public Future<List<WindowState>> windows(KeyRegistry.Entry key, String clientIp) {
        return counters.windows(subjects(rules, key == null ? null : key.key(), null, clientIp));
    }

    /** A caller's budgets: subject → (budget, spent, remaining), for GET /ratelimit. */
    public Future<List<BudgetView>> budgetsOf(KeyRegistry.Entry key) {
        List<BudgetAccount> accounts = accounts(key == null ? null : key.key());
        return counters.budgets(accounts).map(states -> {
            List<BudgetView> out = new ArrayList<>(accounts.size());
            for (int i = 0; i < accounts.size(); i++) {
                BudgetAccount a = accounts.get(i);
                out.add(new BudgetView(a.subject(), a.budget(), states.get(i).spentNanoUsd(), states.get(i).remainingNanoUsd()));
            }
            return out;
        });
    }

    public record BudgetView(String subject, Budget budget, long spentNanoUsd, long remainingNanoUsd) {}

    /**
     * What each budget has left now, in nano-dollars, by subject ("key:…", "user:…", "team:…"), for
     * the metrics: in memory the exact figure; with Redis the last one this replica saw (a budget
     * not used here since start is left out). Never a round trip.
     */
    public java.util.Map<String, Long> budgetsRemaining() {
        long now = clock.getAsLong();
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        for (BudgetAccount a : budgets.all()) {
            long left = counters.remainingHint(a, now);
            if (left != Long.MAX_VALUE) out.put(a.subject(), left);
        }
        return out;
    }

    /** Sweeps idle rate-limit subjects (client IPs come and go). */
    public void sweep() {
        counters.sweep();
    }

    private static MultiMap headers(List<WindowState> windows) {
        MultiMap h = HttpHeaders.headers();
        RateLimitHeaders.write(windows, h);
        return h;
    }

    private static ApiError rateLimited(Denial d) {
        String what = switch (d.window()) {
            case "rpm" -> "requests per minute";
            case "rph" -> "requests per hour (rolling)";
            case "rpd" -> "requests per day (rolling)";
            case "tpm" -> "tokens per minute";
            default -> "concurrent requests";
        };
        String message = d.retryAfterMs() < 0
                ? "This request needs more tokens than the limit of " + d.limit() + " " + what + " for " + d.subject() + " allows."
                : "Rate limit reached for " + d.subject() + ": " + d.limit() + " " + what + ". Retry after "
                + Math.max(1, (d.retryAfterMs() + 999) / 1000) + " s.";
        return new ApiError(429, "rate_limit_exceeded", d.retryAfterMs() < 0 ? "tokens_exceed_limit" : "rate_limit_exceeded",
                message, null);
    }

    private static ApiError overBudget(BudgetAccount a, long remaining, long worst) {
        Budget b = a.budget();
        return new ApiError(429, "insufficient_quota", "insufficient_quota",
                "Budget exceeded for " + a.subject() + ": $" + Cost.formatUsd(remaining) + " of $" + Cost.formatUsd(b.amountNanoUsd())
                        + " remaining " + b.period().describe() + ", and this request may cost up to $" + Cost.formatUsd(worst) + ".", null);
    }

    private static boolean priced(Endpoint.Kind kind) {
        return kind != Endpoint.Kind.OTHER && kind != Endpoint.Kind.MODERATIONS;
    }

    /**
     * The most output the request can produce, over all its choices: the cap it sets
     * (max_completion_tokens, max_tokens, max_output_tokens; else the model's own when several
     * choices are asked for) times {@code max(n, best_of)}, saturating; -1 when it sets no cap and
     * asks for one choice. The numbers were range-checked by {@link NumberBounds}.
     */
    private static long outputCap(Exchange ex, ModelPrice price) {
        long choices = Math.max(1, Math.max(NumberBounds.value(ex, "n"), NumberBounds.value(ex, "best_of")));
        for (String f : new String[]{"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
            long v = NumberBounds.value(ex, f);
            if (v > 0) return Saturating.multiply(v, choices);
        }
        if (choices == 1) return -1;
        long perChoice = price != null && price.maxOutputTokens() > 0 ? price.maxOutputTokens() : Cost.DEFAULT_MAX_OUTPUT_TOKENS;
        return Saturating.multiply(perChoice, choices);
    }

    /** The first request number out of range for this model, or null (see {@link NumberBounds}). */
    public ApiError checkNumbers(Exchange ex) {
        return checkNumbers(rules, ex);
    }

    /** As above, under the given gateway-wide rules. */
    public ApiError checkNumbers(AccessRules rules, Exchange ex) {
        return NumberBounds.check(ex, rules.priceOf(ex.model()));
    }

    /** Prompt tokens: counted for bodies of moderate size, bounded by the byte count beyond (a token is at least one byte). */
    private static long promptTokens(Exchange ex, long bodyBytes) {
        if (!ex.hasJsonBody()) return 0;
        if (bodyBytes > TOKENIZE_MAX_BYTES) return bodyBytes;
        return TokenEstimate.promptTokens(ex.model(), ex.body(), ex.endpoint().kind());
    }

    private long worstCase(Exchange ex, ModelPrice price, CostBound media, long prompt, long outputCap) {
        if (price == null) return 0;
        long promptTokens = media.forBudget(prompt, price);
        if (ex.endpoint().kind() == Endpoint.Kind.IMAGES_GENERATIONS && price.hasImagePrices()) {
            try {
                return Cost.imageNanoUsd(price, text(ex, "size"), text(ex, "quality"), (int) Math.min(imageCount(ex), 100));
            } catch (IllegalArgumentException unknownSize) {
                return Cost.worstCaseNanoUsd(price, promptTokens, outputCap);
            }
        }
        return Cost.worstCaseNanoUsd(price, promptTokens, outputCap);
    }

    // ---- completion ------------------------------------------------------------------------

    /**
     * The request is over: price it from the upstream's usage (or the gateway's count when the
     * upstream gave none), release limits, settle budgets, and queue its ledger row.
     */
    public void complete(Exchange ex, Admission a) {
        complete(rules, ex, a);
    }

    /** As above, under the gateway-wide rules the request was admitted by. */
    public void complete(AccessRules rules, Exchange ex, Admission a) {
        int status = ex.status();
        boolean ok = status >= 200 && status < 300;
        Endpoint.Kind kind = ex.endpoint().kind();
        UsageEstimate.Charge charge = UsageEstimate.of(ex,
                () -> a != null && a.promptTokens >= 0 ? a.promptTokens : promptTokens(ex, a == null ? 0 : a.bodyBytes));
        TokenUsage usage = charge.usage();
        String source = charge.source();
        String model = ex.responseModel() != null ? ex.responseModel() : ex.model();
        ModelPrice price = a != null ? a.price : null;
        if (price == null && model != null && priced(kind)) price = rules.prices().lookup(model);
        long cost = 0;
        if (price != null) {
            cost = Cost.nanoUsd(price, usage);
            if (ok && kind == Endpoint.Kind.IMAGES_GENERATIONS && price.hasImagePrices() && usage.outputTokens() == 0) {
                try {
                    cost += Cost.imageNanoUsd(price, text(ex, "size"), text(ex, "quality"), (int) Math.min(imageCount(ex), 100));
                } catch (IllegalArgumentException unknownSize) {
                    // priced by tokens only
                }
            }
        } else if (model != null && priced(kind)) {
            ex.addFinding(new Finding("cost", "unpriced_model", "no price for model " + ApiError.clip(model) + "; cost recorded as 0",
                    Finding.Action.AUDIT));
        }
        boolean counted = !source.equals("none");
        ex.accounted(price == null ? -1 : cost, source, counted ? usage.inputTokens() : -1, counted ? usage.outputTokens() : -1);
        if (a == null || a.hold == null) return; // nothing was counted or reserved

        // An answer cut short after the upstream worked on it counts like a success: it was billed.
        boolean failed = !ok && !UsageEstimate.upstreamMayBill(ex);
        long actualTokens = source.equals("none") ? (failed ? 0 : -1) : usage.inputTokens() + usage.outputTokens();
        a.hold.settle(failed && !rules.countFailed(), actualTokens, cost);
        RowSink sink = rowSink;
        if (ledger != null || sink != null) {
            ApiKey k = a.key;
            RecordDetails d = RecordDetails.of(ex, System.nanoTime());
            LedgerRow row = new LedgerRow(LedgerRow.newRowId(), a.admittedAt, ex.requestId(), k == null ? null : k.id(), k == null ? null : k.user(),
                    k == null ? null : k.team(), model, ex.endpoint().logPath(), status, usage.inputTokens(), usage.cachedInputTokens(),
                    usage.cacheWriteTokens(), usage.outputTokens(), usage.reasoningTokens(), cost, source, price != null,
                    d.latencyMs(), d.ttfbMs(), d.findings(), d.prompt(), d.answer());
            if (ledger != null) ledger.record(row);
            else sink.record(row);
        }
    }

    private static long imageCount(Exchange ex) {
        JsonNode n = ex.requestField("n");
        return n != null && n.isIntegralNumber() && n.longValue() > 0 ? n.longValue() : 1;
    }

    private static String text(Exchange ex, String field) {
        JsonNode v = ex.requestField(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    /** Writes what the ledger holds and closes the database (SIGTERM). */
    @Override
    public void close() {
        if (sync != null) sync.close();
        if (presence != null) presence.close();
        counters.close();
        if (retention != null) retention.close();
        if (ledger != null) ledger.close();
        if (rowSink != null) rowSink.close(); // a data plane's queued rows into its spool
        if (spool != null) spool.release();
        if (db != null) db.close();
    }
}
