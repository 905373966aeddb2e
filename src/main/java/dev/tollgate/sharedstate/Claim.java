package dev.tollgate.sharedstate;

import dev.tollgate.budget.BudgetAccount;
import dev.tollgate.limits.RateLimiter;

import java.util.List;

/**
 * What one request asks to count: one request (and {@code tokens} estimated tokens) in every
 * subject's windows and a concurrency slot where limited, and {@code worstNanoUsd} reserved in
 * every budget account.
 */
public record Claim(List<RateLimiter.Subject> subjects, long tokens, List<BudgetAccount> accounts, long worstNanoUsd) {}
