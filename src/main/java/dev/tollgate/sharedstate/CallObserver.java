package dev.tollgate.sharedstate;

/**
 * Told of every round trip to a shared counter store (Redis): how long it took and whether it
 * succeeded, so operators can watch the layer every admission waits on. Called on the thread that
 * read the reply: keep it to a counter bump.
 */
@FunctionalInterface
public interface CallObserver {

    CallObserver NONE = (nanos, ok) -> { };

    void call(long nanos, boolean ok);
}
