package dev.tollgate.server;

import dev.tollgate.http.Deadlines;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;

/** What one event loop owns: its upstream connection pool and its deadline sweeper. */
record EventLoopResources(Vertx vertx, HttpClient client, Deadlines deadlines) {}
