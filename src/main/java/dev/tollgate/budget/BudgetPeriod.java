package dev.tollgate.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** A budget's period, in UTC calendar terms: it resets at the start of each day, week (Monday) or month. */
public enum BudgetPeriod {
    DAILY, WEEKLY, MONTHLY, TOTAL;

    /** Epoch milliseconds at which the period containing {@code nowMillis} began. */
    public long start(long nowMillis) {
        if (this == TOTAL) return 0;
        LocalDate day = Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate first = switch (this) {
            case DAILY -> day;
            case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTHLY -> day.withDayOfMonth(1);
            case TOTAL -> throw new AssertionError();
        };
        return first.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** Epoch milliseconds at which the period that began at {@code start} ends (Long.MAX_VALUE for total). */
    public long end(long start) {
        if (this == TOTAL) return Long.MAX_VALUE;
        LocalDate first = Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate next = switch (this) {
            case DAILY -> first.plusDays(1);
            case WEEKLY -> first.plusWeeks(1);
            case MONTHLY -> first.plusMonths(1);
            case TOTAL -> throw new AssertionError();
        };
        return next.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** Words for messages: "today", "this week", "this month", "in total". */
    public String describe() {
        return switch (this) {
            case DAILY -> "today";
            case WEEKLY -> "this week";
            case MONTHLY -> "this month";
            case TOTAL -> "in total";
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BudgetPeriod parse(String s) {
        for (BudgetPeriod p : values()) if (p.id().equals(s)) return p;
        throw new IllegalArgumentException("expected one of daily, weekly, monthly, total");
    }
}
