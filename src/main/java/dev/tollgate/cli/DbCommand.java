package dev.tollgate.cli;

import dev.tollgate.secret.PasswordVariable;
import dev.tollgate.store.Database;
import dev.tollgate.store.DatabaseCopy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tollgate db copy}: moves a store to another database (a SQLite install to PostgreSQL or MariaDB), verified row by row. */
@Command(name = "db", mixinStandardHelpOptions = true, description = "Work on the gateway's database directly (stop the gateway first).",
        subcommands = {DbCommand.Copy.class})
public final class DbCommand implements Runnable {

    /** Where passwords are read from; tests replace it. */
    static Map<String, String> env = System.getenv();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "copy", mixinStandardHelpOptions = true,
            description = {"Copy keys, users' and teams' limits and budgets, and the usage ledger from one database to another, "
                    + "then compare every row of the two.",
                    "Both are migrated to the current schema first. A target that already holds rows is refused unless --replace is given."})
    static final class Copy implements Callable<Integer> {
        @Option(names = "--from", required = true, description = "Source: a SQLite file (tollgate.db) or a JDBC URL")
        String from;
        @Option(names = "--from-user", description = "User for a source server")
        String fromUser;
        @Option(names = "--from-password-env", paramLabel = "NAME", description = "Environment variable holding the source server's password")
        String fromPasswordEnv;
        @Option(names = "--to", required = true, description = "Target: jdbc:postgresql://…, jdbc:mariadb://… or jdbc:mysql://… (or a SQLite file)")
        String to;
        @Option(names = "--to-user", description = "User for the target server (default: TOLLGATE_DATABASE_USER)")
        String toUser;
        @Option(names = "--to-password-env", paramLabel = "NAME",
                description = "Environment variable holding the target server's password (default: the one TOLLGATE_DATABASE_PASSWORD_ENV names)")
        String toPasswordEnv;
        @Option(names = "--replace", description = "Delete the keys, users, teams, ledger rows and data-plane records the target already holds, then copy")
        boolean replace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Database.Target source;
            Database.Target target;
            try {
                source = target("--from", from, fromUser, fromPasswordEnv, "--from-password-env");
                target = target("--to", to, toUser != null ? toUser : env.get("TOLLGATE_DATABASE_USER"),
                        toPasswordEnv != null ? toPasswordEnv : env.get("TOLLGATE_DATABASE_PASSWORD_ENV"), "--to-password-env");
                if (source.url().equals(target.url())) throw new IllegalArgumentException("--from and --to are the same database");
            } catch (IllegalArgumentException e) {
                err.println("tollgate: " + e.getMessage());
                err.flush();
                return 2;
            }
            try {
                Database.migrate(source);
                Database.migrate(target);
                try (Connection a = Database.connect(source); Connection b = Database.connect(target)) {
                    Map<String, Long> held = DatabaseCopy.counts(b);
                    if (!replace && held.values().stream().anyMatch(n -> n > 0)) {
                        err.println("tollgate: " + target.display() + " already holds " + describe(held)
                                + "; copy into an empty database, or give --replace to delete them first");
                        err.flush();
                        return 1;
                    }
                    Map<String, Long> copied = DatabaseCopy.copy(a, b, replace);
                    List<String> differences = DatabaseCopy.verify(a, b);
                    if (!differences.isEmpty()) {
                        err.println("tollgate: the copy in " + target.display() + " differs from " + source.display() + ":");
                        differences.forEach(d -> err.println("  " + d));
                        err.flush();
                        return 1;
                    }
                    out.println("copied " + describe(copied) + " to " + target.display() + "; verified row by row");
                    out.flush();
                    return 0;
                }
            } catch (SQLException | RuntimeException e) {
                // The driver's message names the problem (host, database, column); it never holds the password.
                err.println("tollgate: copy failed: " + e.getMessage());
                err.flush();
                return 1;
            }
        }

        private static String describe(Map<String, Long> counts) {
            StringBuilder s = new StringBuilder();
            int i = 0;
            for (Map.Entry<String, Long> e : counts.entrySet()) {
                s.append(i == 0 ? "" : ", ").append(e.getValue()).append(' ').append(e.getKey());
                i++;
            }
            return s.toString();
        }

        /** A database from the command line: a URL never carries a password; it comes from the variable {@code passwordEnv} names. */
        private static Database.Target target(String option, String url, String user, String passwordEnv, String passwordOption) {
            String problem = Database.Target.problem(option, url, "with " + passwordOption);
            if (problem != null) throw new IllegalArgumentException(problem);
            Database.Target t = Database.Target.of(url, user, PasswordVariable.read(passwordOption, passwordEnv, env::get), 2);
            return t;
        }
    }
}
