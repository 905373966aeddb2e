package dev.tollgate.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A plain socket HTTP/1.1 client for what java.net.http hides: exact bytes on the wire, a
 * connection cut by the server, slow senders, and disconnecting mid-response.
 */
public final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    public RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** A POST with a JSON body and Content-Length. */
    public RawClient postJson(String path, String json, String... extraHeaderLines) throws IOException {
        StringBuilder sb = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
        for (String h : extraHeaderLines) sb.append(h).append("\r\n");
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        sb.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        send(sb.toString());
        out.write(body);
        out.flush();
        return this;
    }

    /** Reads until the text has been seen (in everything read so far), or fails after the timeout. */
    public String readUntil(String marker, long timeoutMs) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        byte[] buf = new byte[8192];
        while (!seen().contains(marker)) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("did not see '" + marker + "' in:\n" + seen());
            int n = in.read(buf);
            if (n < 0) throw new AssertionError("connection closed before '" + marker + "'; got:\n" + seen());
            seen.write(buf, 0, n);
        }
        return seen();
    }

    /** Reads until the server closes the connection (or resets it); returns everything read. */
    public String readToClose(long timeoutMs) throws IOException {
        socket.setSoTimeout((int) timeoutMs);
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) seen.write(buf, 0, n);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server did not close the connection; got:\n" + seen());
        } catch (IOException reset) {
            // a reset is also a close
        }
        return seen();
    }

    public String seen() {
        return seen.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
