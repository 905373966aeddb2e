package dev.tollgate.cli;

import dev.tollgate.Main;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.AfterEach;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** The CLI against a running key-mode gateway: {@link #run} executes a command and keeps what it printed. */
abstract class CommandLineTest extends KeyModeTest {

    protected String out;
    protected String err;

    @AfterEach
    void restoreEnv() {
        KeysCommand.AdminCall.env = System.getenv();
    }

    protected int run(String... args) {
        KeysCommand.AdminCall.env = Map.of("TOLLGATE_ADMIN_TOKEN", ADMIN, "TOLLGATE_URL", "http://127.0.0.1:" + gateway.port());
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(o));
        cli.setErr(new PrintWriter(e));
        int code = cli.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }
}
