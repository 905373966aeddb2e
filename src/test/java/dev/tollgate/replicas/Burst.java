package dev.tollgate.replicas;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Calls fired all at once and what each one got, by its request id. */
record Burst(Map<String, HttpResponse<String>> answers) {

    /** Sends {@code n} requests at once ({@code request(i)} makes call i, whose request id is {@code idPrefix + i}) and waits for all. */
    static Burst fire(Replicas replicas, int n, String idPrefix, IntFunction<HttpRequest> request) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) all.add(replicas.sendAsync(request.apply(i)));
        Map<String, HttpResponse<String>> answers = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) answers.put(idPrefix + i, all.get(i).get(90, TimeUnit.SECONDS));
        return new Burst(answers);
    }

    /** The request ids that got this status. */
    List<String> ids(int status) {
        List<String> out = new ArrayList<>();
        answers.forEach((id, r) -> {
            if (r.statusCode() == status) out.add(id);
        });
        return out;
    }

    List<HttpResponse<String>> with(int status) {
        return answers.values().stream().filter(r -> r.statusCode() == status).toList();
    }

    /** Status → count, for a failing assertion's message. */
    Map<Integer, Long> statuses() {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        answers.values().forEach(r -> out.merge(r.statusCode(), 1L, Long::sum));
        return out;
    }
}
