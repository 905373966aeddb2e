package dev.tollgate.limits;

/** One window of one subject as a caller sees it: the limit, what is left, when it frees up. */
public record WindowState(String subject, String window, long limit, long used, long remaining, long resetMs) {}
