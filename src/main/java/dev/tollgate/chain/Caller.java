package dev.tollgate.chain;

/** Who made a request in key mode: the key's id and display prefix, and its owner. */
public record Caller(String keyId, String keyPrefix, String user, String team) {}
