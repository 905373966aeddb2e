package dev.tollgate.hybrid;

import io.vertx.core.Future;

/** Where a data plane's leases come from: the control plane over HTTP, or (tests) a {@link LeaseBook} itself. */
@FunctionalInterface
public interface LeaseSource {

    /** Asks about one budget's lease; fails when the control plane cannot be asked or refuses. */
    Future<LeaseGrant> ask(LeaseRequest request);

    /** Asks for a slice of a subject's requests, or gives one back; fails when the control plane cannot be asked or refuses. */
    default Future<RequestSlice> slice(SliceRequest request) {
        return Future.failedFuture(new UnsupportedOperationException("no request slices from this source"));
    }
}
