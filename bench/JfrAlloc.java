import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Allocation summary of a JFR recording (jdk.ObjectAllocationSample, whose weights estimate all
 * bytes allocated): total, per stream and per event, then the top allocating classes and the top
 * allocation sites (first frame of the stack).
 *
 * Run: java bench/JfrAlloc.java FILE.jfr STREAMS EVENTS_PER_STREAM [TOP]
 */
public final class JfrAlloc {

    public static void main(String[] args) throws Exception {
        long streams = Long.parseLong(args[1]);
        int events = Integer.parseInt(args[2]);
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Map<String, Long> byClass = new HashMap<>();
        Map<String, Long> bySite = new HashMap<>();
        long total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ObjectAllocationSample")) continue;
            long w = e.getLong("weight");
            total += w;
            byClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
            bySite.merge(site(e.getStackTrace()), w, Long::sum);
        }
        System.out.printf("allocated ~%d MB over %d streams: %.1f KB per stream, %.2f KB per event (%d events a stream)%n",
                total >> 20, streams, total / 1024.0 / Math.max(1, streams), total / 1024.0 / Math.max(1, streams) / events, events);
        print("by class", byClass, total, streams, top);
        print("by allocation site (first frame outside java.*/jdk.*/sun.*)", bySite, total, streams, top);
    }

    static String site(RecordedStackTrace st) {
        if (st == null) return "?";
        List<RecordedFrame> frames = st.getFrames();
        String first = null;
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            String m = type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
            if (first == null) first = m;
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
                return m + (m.equals(first) ? "" : " (" + first + ")");
            }
        }
        return first == null ? "?" : first;
    }

    static void print(String title, Map<String, Long> m, long total, long streams, int top) {
        System.out.println();
        System.out.println(title + ":  % of bytes, bytes per stream");
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf("  %5.1f%% %9.0f  %s%n", 100.0 * e.getValue() / total,
                        (double) e.getValue() / Math.max(1, streams), e.getKey()));
    }
}
