package dev.tollgate.sharedstate;

import java.util.function.Consumer;

/**
 * Tells every replica at once that a key, user or team changed, so each reloads it from the
 * database. A message names what changed ("key:key_abc", "user:alice"), never a secret or a hash.
 * Best effort: replicas that miss a message catch up at their next poll of the database.
 */
public interface ChangeFeed extends AutoCloseable {

    /** Announces a change to every replica (this one included). */
    void publish(String change);

    /** Calls {@code listener} (on an event loop) with each change announced by any replica. */
    void subscribe(Consumer<String> listener);

    @Override
    void close();

    /** No feed: replicas learn of changes only by polling. */
    ChangeFeed NONE = new ChangeFeed() {
        @Override
        public void publish(String change) {
        }

        @Override
        public void subscribe(Consumer<String> listener) {
        }

        @Override
        public void close() {
        }
    };
}
