package dev.tollgate.access;

import dev.tollgate.budget.Budget;
import dev.tollgate.budget.BudgetAccount;

import java.util.concurrent.ConcurrentHashMap;

/** The budget accounts of keys, users and teams, by subject name ("key:key_abc", "user:alice"). */
public final class Budgets {

    private final ConcurrentHashMap<String, BudgetAccount> accounts = new ConcurrentHashMap<>();

    public BudgetAccount get(String subject) {
        return accounts.get(subject);
    }

    /**
     * Sets a subject's budget. An existing account keeps what it has spent this period (memory is
     * exact; the ledger may lag by a flush); a new one starts from {@code spentInPeriod}.
     */
    public void set(String subject, Budget budget, long spentInPeriod, long now) {
        if (budget == null) {
            accounts.remove(subject);
            return;
        }
        accounts.compute(subject, (k, old) -> {
            if (old == null) return new BudgetAccount(subject, budget, budget.period().start(now), spentInPeriod);
            old.update(budget, budget.period().start(now), spentInPeriod);
            return old;
        });
    }

    public boolean has(String subject) {
        return accounts.containsKey(subject);
    }

    /** Every account now (a view: accounts come and go with the admin API). */
    public java.util.Collection<BudgetAccount> all() {
        return accounts.values();
    }

    public void remove(String subject) {
        accounts.remove(subject);
    }
}
