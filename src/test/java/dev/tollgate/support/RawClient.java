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
    private final Bytes seen = new Bytes();

    /** Read bytes, searchable in place (no copy per read). */
    private static final class Bytes extends ByteArrayOutputStream {
        boolean contains(byte[] needle, int from) {
            outer:
            for (int i = from; i <= count - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) if (buf[i + j] != needle[j]) continue outer;
                return true;
            }
            return false;
        }
    }

    public RawClient(int port) throws IOException {
        this(port, 0);
    }

    /**
     * With a fixed receive buffer (bytes; 0 leaves the system's, which grows on demand): a client
     * that stops reading then holds at most about that much in its kernel, for back-pressure tests.
     */
    public RawClient(int port, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) socket.setReceiveBufferSize(receiveBufferBytes); // before connect, so the window is fixed
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
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
        byte[] wanted = marker.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[65536];
        int searchedUpTo = 0; // only new bytes (plus a marker's length of overlap) are searched: megabytes stay linear
        while (!seen.contains(wanted, Math.max(0, searchedUpTo - wanted.length))) {
            searchedUpTo = seen.size();
            if (System.currentTimeMillis() > deadline) throw new AssertionError("did not see '" + marker + "' in:\n" + tail());
            int n = in.read(buf);
            if (n < 0) throw new AssertionError("connection closed before '" + marker + "'; got:\n" + tail());
            seen.write(buf, 0, n);
        }
        return seen();
    }

    /** What was read, shortened to its last 4 KB for failure messages. */
    private String tail() {
        String all = seen();
        return all.length() <= 4096 ? all : "..." + all.substring(all.length() - 4096);
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
