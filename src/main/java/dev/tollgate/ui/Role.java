package dev.tollgate.ui;

import java.util.Locale;

/** What a dashboard session may do: {@code admin} everything, {@code viewer} read only, never a secret. */
public enum Role {
    ADMIN, VIEWER;

    /** The lower-case name the dashboard and the session API use. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean mayChange() {
        return this == ADMIN;
    }
}
