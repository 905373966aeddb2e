package dev.tollgate.replicas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a loopback port in front of a real server (the database), which a test can cut
 * (every connection closed, new ones refused) and restore, as a network cut would: the server
 * itself is never stopped.
 */
final class TcpCut implements AutoCloseable {

    private final InetSocketAddress target;
    final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    TcpCut(String host, int targetPort) throws IOException {
        this.target = new InetSocketAddress(host, targetPort);
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        restore();
    }

    /** Accepts connections again (on the same port). */
    synchronized void restore() throws IOException {
        if (listener != null) return;
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        listener = s;
        Thread t = new Thread(() -> accept(s), "tcp-cut-accept-" + port);
        t.setDaemon(true);
        t.start();
    }

    /** Closes every connection through the proxy and refuses new ones. */
    synchronized void cut() throws IOException {
        if (listener != null) listener.close();
        listener = null;
        for (Socket s : open) closeQuietly(s);
        open.clear();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket server = new Socket();
                try {
                    server.connect(target, 2_000);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                open.add(client);
                open.add(server);
                if (listener != s) { // cut while this one was being connected
                    closeQuietly(client);
                    closeQuietly(server);
                    continue;
                }
                pipe(client, server);
                pipe(server, client);
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ended) {
                // one side closed or the proxy was cut
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-cut-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
