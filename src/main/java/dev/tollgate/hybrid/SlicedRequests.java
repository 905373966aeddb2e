package dev.tollgate.hybrid;

import dev.tollgate.limits.Denial;
import dev.tollgate.limits.Limits;
import dev.tollgate.limits.RateLimiter;
import dev.tollgate.sharedstate.Hold;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A data plane's side of request slices ({@link RequestSlices}, hybrid mode without Redis): a
 * key's, user's or team's requests per minute, hour and day are admitted only from slices the
 * control plane granted, so they hold across data planes. A subject asks for another slice ahead
 * of need (when half of the last one is used) and waits for one (asynchronously) when it has none
 * left; a slice used up or past its deadline is given back with what it admitted. Without an
 * answer, or when the control plane has no room, the request is refused with the rate-limit
 * error: it fails closed.
 */
final class SlicedRequests {

    static final int ROUNDS = 3;
    /** How long a refusal from the control plane is taken as the answer before asking again. */
    static final long REFUSED_MS = 250;
    /** A subject used within this long asks ahead of need (one used less often waits for a slice when it needs one). */
    static final long IN_USE_MS = 2_000;

    private final LeaseSource source;
    private final LongSupplier clock;
    private final Consumer<Throwable> unreachable;
    private final ConcurrentHashMap<String, Requests> subjects = new ConcurrentHashMap<>();

    SlicedRequests(LeaseSource source, LongSupplier clock, Consumer<Throwable> unreachable) {
        this.source = source;
        this.clock = clock;
        this.unreachable = unreachable;
    }

    /** The subjects whose request limits hold across data planes: keys, users and teams with rpm, rph or rpd. */
    static List<RateLimiter.Subject> shared(List<RateLimiter.Subject> subjects) {
        List<RateLimiter.Subject> out = new ArrayList<>(subjects.size());
        for (RateLimiter.Subject s : subjects) {
            Limits l = s.limits();
            boolean requests = l.rpm() > 0 || l.rph() > 0 || l.rpd() > 0;
            if (requests && (s.name().startsWith("key:") || s.name().startsWith("user:") || s.name().startsWith("team:"))) out.add(s);
        }
        return out;
    }

    static final class Slice {
        final String id;
        final long granted;
        final long deadline;
        final Requests owner;
        long used;
        boolean released;

        Slice(String id, long granted, long deadline, Requests owner) {
            this.id = id;
            this.granted = granted;
            this.deadline = deadline;
            this.owner = owner;
        }
    }

    /** One subject's slices here. */
    final class Requests {
        final String name;
        final List<Slice> slices = new ArrayList<>();
        Future<Void> pending;
        long lastGranted;
        long lastUsed;
        long refusedUntil;
        RequestSlice refusal;

        Requests(String name) {
            this.name = name;
        }

        synchronized Slice take(long now) {
            lastUsed = now;
            Slice got = null;
            for (Slice s : slices) {
                if (now < s.deadline && s.used < s.granted) {
                    got = s;
                    break;
                }
            }
            if (got == null) return null;
            got.used++;
            if (pending == null && now >= refusedUntil && room(now) <= lastGranted / 2) send(now); // ahead of need
            return got;
        }

        synchronized void giveBack(Slice s) {
            if (!s.released && s.used > 0) s.used--;
        }

        synchronized Future<Void> more(long now) {
            return pending != null ? pending : send(now);
        }

        synchronized boolean refused(long now) {
            return now < refusedUntil;
        }

        private long room(long now) {
            long room = 0;
            for (Slice s : slices) if (now < s.deadline) room += Math.max(0, s.granted - s.used);
            return room;
        }

        private Future<Void> send(long sentAt) {
            Future<Void> f = source.slice(new SliceRequest(name, null, 0, 1, false)).transform(ar -> {
                synchronized (this) {
                    pending = null;
                    if (ar.succeeded()) apply(ar.result(), sentAt);
                    else {
                        refusal = null;
                        unreachable.accept(ar.cause());
                    }
                }
                return Future.<Void>succeededFuture();
            });
            if (!f.isComplete()) pending = f;
            return f;
        }

        private void apply(RequestSlice g, long sentAt) {
            if (g.sliceId() == null || g.granted() <= 0) {
                refusal = g;
                refusedUntil = sentAt + Math.min(Math.max(1, g.retryAfterMs()), REFUSED_MS);
                return;
            }
            refusal = null;
            refusedUntil = 0;
            lastGranted = g.granted();
            // Counted from when the question left, less a margin: this data plane stops before the control plane's clock says so.
            slices.add(new Slice(g.sliceId(), g.granted(), sentAt + g.expiresInMs() - Math.min(1_000, g.expiresInMs() / 5), this));
        }

        /** Gives back the slices used up or past their deadline; asks ahead of need while in use. */
        synchronized void tick(long now) {
            for (Slice s : List.copyOf(slices)) {
                if (now >= s.deadline || s.used >= s.granted) release(s);
            }
            if (pending == null && now - lastUsed < IN_USE_MS && now >= refusedUntil && room(now) <= lastGranted / 2) send(now);
        }

        synchronized Future<Void> releaseAll() {
            List<Future<RequestSlice>> all = new ArrayList<>();
            for (Slice s : List.copyOf(slices)) all.add(release(s));
            return Future.join(all).mapEmpty();
        }

        /** Gives a slice back at what it admitted (a request refunded later is not given back: the safe side). */
        private Future<RequestSlice> release(Slice s) {
            slices.remove(s);
            s.released = true;
            return source.slice(new SliceRequest(name, s.id, s.used, 0, true));
        }

        synchronized boolean idle(long now) {
            return slices.isEmpty() && pending == null && now - lastUsed > IN_USE_MS;
        }

        /** Why a request is refused: the control plane's full window, or (unanswered) the tightest request window here. */
        synchronized Denial denial(Limits l) {
            RequestSlice r = refusal;
            if (r != null && r.window() != null) return new Denial(name, r.window(), r.limit(), Math.max(1, r.retryAfterMs()));
            String window = l.rpm() > 0 ? "rpm" : l.rph() > 0 ? "rph" : "rpd";
            return new Denial(name, window, l.rpm() > 0 ? l.rpm() : l.rph() > 0 ? l.rph() : l.rpd(), 1_000);
        }
    }

    /** What a request took: a unit of one slice per subject, or the denial. */
    record Taken(List<Slice> slices, Denial denial) {}

    /** Takes one request from a slice of each subject, all or none, asking for more when one has none. */
    Future<Taken> take(List<RateLimiter.Subject> wanted) {
        return take(wanted, 1);
    }

    private Future<Taken> take(List<RateLimiter.Subject> wanted, int round) {
        long now = clock.getAsLong();
        List<Slice> got = new ArrayList<>(wanted.size());
        for (RateLimiter.Subject s : wanted) {
            Requests r = subjects.computeIfAbsent(s.name(), Requests::new);
            Slice slice = r.take(now);
            if (slice == null) {
                for (Slice g : got) g.owner.giveBack(g);
                if (round > ROUNDS || r.refused(now)) return Future.succeededFuture(new Taken(List.of(), r.denial(s.limits())));
                return r.more(now).compose(v -> take(wanted, round + 1));
            }
            got.add(slice);
        }
        return Future.succeededFuture(new Taken(got, null));
    }

    void tick() {
        long now = clock.getAsLong();
        for (Requests r : subjects.values()) {
            r.tick(now);
            if (r.idle(now)) subjects.remove(r.name, r);
        }
    }

    Future<Void> releaseAll() {
        List<Future<Void>> all = new ArrayList<>();
        for (Requests r : subjects.values()) all.add(r.releaseAll());
        return Future.join(all).mapEmpty();
    }

    /** Ends a request: the local hold, and a request not counted (a failed call) goes back to its slices. */
    static final class SlicedHold implements Hold {
        private final Hold local;
        private final List<Slice> slices;

        SlicedHold(Hold local, List<Slice> slices) {
            this.local = local;
            this.slices = slices;
        }

        @Override
        public synchronized void settle(boolean refundRequest, long actualTokens, long costNanoUsd) {
            local.settle(refundRequest, actualTokens, costNanoUsd);
            if (refundRequest) for (Slice s : slices) s.owner.giveBack(s);
            slices.clear(); // once
        }

        @Override
        public boolean limited() {
            return local.limited();
        }
    }
}
