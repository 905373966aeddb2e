package dev.tollgate.stream;

import dev.tollgate.wire.StreamChunk;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SseParserTest {

    /** One emitted chunk, with its raw bytes kept byte-exact (ISO-8859-1 maps each byte to one char). */
    record Ev(String event, String data, String raw) {
        static Ev of(StreamChunk c) {
            return new Ev(c.event(), c.data(), c.raw() == null ? null : new String(c.raw().getBytes(), StandardCharsets.ISO_8859_1));
        }
    }

    private static Ev ev(String event, String data, String rawUtf8) {
        return new Ev(event, data, new String(rawUtf8.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    private static List<Ev> feedAll(SseParser parser, byte[]... pieces) {
        List<Ev> out = new ArrayList<>();
        for (byte[] p : pieces) parser.feed(Buffer.buffer(p), c -> out.add(Ev.of(c)));
        parser.finish(c -> out.add(Ev.of(c))); // as the relay does when the upstream ends
        return out;
    }

    private static List<Ev> parseWhole(byte[] bytes) {
        return feedAll(new SseParser(), bytes);
    }

    private static List<Ev> parseBytewise(byte[] bytes) {
        byte[][] pieces = new byte[bytes.length][];
        for (int i = 0; i < bytes.length; i++) pieces[i] = new byte[] {bytes[i]};
        return feedAll(new SseParser(), pieces);
    }

    private static List<Ev> parseSplitAt(byte[] bytes, int at) {
        return feedAll(new SseParser(), Arrays.copyOfRange(bytes, 0, at), Arrays.copyOfRange(bytes, at, bytes.length));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String rawConcat(List<Ev> events) {
        StringBuilder sb = new StringBuilder();
        for (Ev e : events) sb.append(e.raw());
        return sb.toString();
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    // A multi-event stream exercising comments, event names, multi-line data, no-space data and UTF-8.
    private static final String LF_STREAM = ": ping\n\n"
            + "data: {\"a\":1}\n\n"
            + "event: response.delta\ndata: line1\ndata: line2\n\n"
            + "data:x\n\n"
            + ": comment before data\ndata: h\u00e9llo \u20ac\uD834\uDD1E\n\n"
            + "data: [DONE]\n\n";

    private static final List<Ev> LF_EXPECTED = List.of(
            ev(null, null, ": ping\n\n"),
            ev(null, "{\"a\":1}", "data: {\"a\":1}\n\n"),
            ev("response.delta", "line1\nline2", "event: response.delta\ndata: line1\ndata: line2\n\n"),
            ev(null, "x", "data:x\n\n"),
            ev(null, "h\u00e9llo \u20ac\uD834\uDD1E", ": comment before data\ndata: h\u00e9llo \u20ac\uD834\uDD1E\n\n"),
            ev(null, "[DONE]", "data: [DONE]\n\n"));

    private static final String CRLF_STREAM = LF_STREAM.replace("\n", "\r\n");
    private static final String CR_STREAM = LF_STREAM.replace("\n", "\r");

    private static List<Ev> withLineEnding(List<Ev> lf, String eol) {
        List<Ev> out = new ArrayList<>();
        for (Ev e : lf) out.add(new Ev(e.event(), e.data(), e.raw().replace("\n", eol)));
        return out;
    }

    // ---- whole-buffer parsing --------------------------------------------------------------

    @Test
    void parsesLfStreamWhole() {
        assertThat(parseWhole(utf8(LF_STREAM))).containsExactlyElementsOf(LF_EXPECTED);
    }

    @Test
    void parsesCrlfStreamWhole() {
        assertThat(parseWhole(utf8(CRLF_STREAM))).containsExactlyElementsOf(withLineEnding(LF_EXPECTED, "\r\n"));
    }

    @Test
    void parsesCrStreamWhole() {
        assertThat(parseWhole(utf8(CR_STREAM))).containsExactlyElementsOf(withLineEnding(LF_EXPECTED, "\r"));
    }

    @Test
    void parsesMixedLineEndingsInOneEvent() {
        String s = "event: e\r\ndata: a\rdata: b\ndata: c\r\n\r";
        assertThat(parseWhole(utf8(s))).containsExactly(ev("e", "a\nb\nc", s));
    }

    // ---- splits at every byte boundary -----------------------------------------------------

    @Test
    void lfStreamFedOneByteAtATimeMatchesWhole() {
        byte[] bytes = utf8(LF_STREAM);
        assertThat(parseBytewise(bytes)).containsExactlyElementsOf(parseWhole(bytes)).containsExactlyElementsOf(LF_EXPECTED);
    }

    @Test
    void lfStreamSplitInTwoAtEveryByteMatchesWhole() {
        byte[] bytes = utf8(LF_STREAM);
        for (int at = 0; at <= bytes.length; at++) {
            assertThat(parseSplitAt(bytes, at)).as("split at %d", at).containsExactlyElementsOf(LF_EXPECTED);
        }
    }

    @Test
    void crStreamFedOneByteAtATimeMatchesWhole() {
        byte[] bytes = utf8(CR_STREAM);
        assertThat(parseBytewise(bytes)).containsExactlyElementsOf(withLineEnding(LF_EXPECTED, "\r"));
    }

    @Test
    void crStreamSplitInTwoAtEveryByteMatchesWhole() {
        byte[] bytes = utf8(CR_STREAM);
        List<Ev> expected = withLineEnding(LF_EXPECTED, "\r");
        for (int at = 0; at <= bytes.length; at++) {
            assertThat(parseSplitAt(bytes, at)).as("split at %d", at).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void crlfStreamSplitAnywhereKeepsEventsDataAndTotalBytes() {
        // event names and data (what policies see) and the total relayed bytes survive every split
        byte[] bytes = utf8(CRLF_STREAM);
        List<Ev> expected = withLineEnding(LF_EXPECTED, "\r\n");
        List<List<Ev>> runs = new ArrayList<>();
        runs.add(parseBytewise(bytes));
        for (int at = 0; at <= bytes.length; at++) runs.add(parseSplitAt(bytes, at));
        for (List<Ev> run : runs) {
            assertThat(run).extracting(Ev::event).containsExactlyElementsOf(expected.stream().map(Ev::event).toList());
            assertThat(run).extracting(Ev::data).containsExactlyElementsOf(expected.stream().map(Ev::data).toList());
            // the last LF of a CRLF blank line may remain pending; everything else is relayed in order
            String concat = rawConcat(run);
            assertThat(latin1(bytes)).startsWith(concat);
            assertThat(latin1(bytes).length() - concat.length()).isBetween(0, 1);
        }
    }

    @Test
    void crlfStreamFedOneByteAtATimeMatchesWholeIncludingRaw() {
        byte[] bytes = utf8(CRLF_STREAM);
        assertThat(parseBytewise(bytes)).containsExactlyElementsOf(withLineEnding(LF_EXPECTED, "\r\n"));
    }

    @Test
    void crlfStreamSplitInTwoAtEveryByteMatchesWholeIncludingRaw() {
        byte[] bytes = utf8(CRLF_STREAM);
        List<Ev> expected = withLineEnding(LF_EXPECTED, "\r\n");
        for (int at = 0; at <= bytes.length; at++) {
            assertThat(parseSplitAt(bytes, at)).as("split at %d", at).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void crlfBlankLineSplitBetweenCrAndLfBelongsToTheEndedEvent() {
        SseParser p = new SseParser();
        List<Ev> out = feedAll(p, utf8("data: a\r\n\r"), utf8("\ndata: b\r\n\r\n"));
        assertThat(out).containsExactly(ev(null, "a", "data: a\r\n\r\n"), ev(null, "b", "data: b\r\n\r\n"));
        assertThat(p.hasPartialEvent()).isFalse();
    }

    @Test
    void crlfSplitInsideDataLineIsOneLineEnding() {
        SseParser p = new SseParser();
        List<Ev> out = feedAll(p, utf8("data: a\r"), utf8("\n"), utf8("data: b\r"), utf8("\n\r\n"));
        assertThat(out).containsExactly(ev(null, "a\nb", "data: a\r\ndata: b\r\n\r\n"));
        assertThat(p.hasPartialEvent()).isFalse();
    }

    @Test
    void crAtBufferEndFollowedByNonLfIsItsOwnLineEnding() {
        List<Ev> out = feedAll(new SseParser(), utf8("data: a\r"), utf8("data: b\r"), utf8("\r"));
        assertThat(out).containsExactly(ev(null, "a\nb", "data: a\rdata: b\r\r"));
    }

    @Test
    void crThenEmptyBufferThenLfIsStillOneLineEnding() {
        List<Ev> out = feedAll(new SseParser(), utf8("data: a\r"), new byte[0], utf8("\n\n"));
        assertThat(out).containsExactly(ev(null, "a", "data: a\r\n\n"));
    }

    // ---- field rules --------------------------------------------------------------------------

    @Test
    void dataWithoutSpaceAfterColon() {
        assertThat(parseWhole(utf8("data:x\n\n"))).containsExactly(ev(null, "x", "data:x\n\n"));
    }

    @Test
    void onlyOneLeadingSpaceIsRemoved() {
        assertThat(parseWhole(utf8("data:  two\n\n"))).extracting(Ev::data).containsExactly(" two");
    }

    @Test
    void dataFieldWithoutColonIsEmptyData() {
        assertThat(parseWhole(utf8("data\n\n"))).extracting(Ev::data).containsExactly("");
    }

    @Test
    void emptyDataLinesAreJoinedWithNewlines() {
        assertThat(parseWhole(utf8("data: a\ndata:\ndata: b\n\n"))).extracting(Ev::data).containsExactly("a\n\nb");
    }

    @Test
    void eventNameWithoutData() {
        assertThat(parseWhole(utf8("event: ping\n\n"))).containsExactly(ev("ping", null, "event: ping\n\n"));
    }

    @Test
    void lastEventFieldWins() {
        assertThat(parseWhole(utf8("event: a\nevent: b\ndata: x\n\n"))).extracting(Ev::event).containsExactly("b");
    }

    @Test
    void commentsCarryNoDataButStayInRaw() {
        assertThat(parseWhole(utf8(": ping\n\n"))).containsExactly(ev(null, null, ": ping\n\n"));
        assertThat(parseWhole(utf8(":data: x\n\n"))).containsExactly(ev(null, null, ":data: x\n\n"));
        assertThat(parseWhole(utf8(": c\ndata: y\n: d\n\n"))).containsExactly(ev(null, "y", ": c\ndata: y\n: d\n\n"));
    }

    @Test
    void otherFieldsAndWrongCaseAreIgnored() {
        assertThat(parseWhole(utf8("id: 7\nretry: 100\nDATA: no\nEvent: no\nfoo: bar\ndata: yes\n\n")))
                .containsExactly(ev(null, "yes", "id: 7\nretry: 100\nDATA: no\nEvent: no\nfoo: bar\ndata: yes\n\n"));
    }

    @Test
    void colonsInsideValueAreKept() {
        assertThat(parseWhole(utf8("data: {\"k\":\"a:b\"}\n\n"))).extracting(Ev::data).containsExactly("{\"k\":\"a:b\"}");
    }

    // ---- raw bytes ------------------------------------------------------------------------------

    @Test
    void rawBytesOfAllEventsConcatenateToTheInput() {
        for (String s : List.of(LF_STREAM, CR_STREAM, CRLF_STREAM)) {
            byte[] bytes = utf8(s);
            assertThat(rawConcat(parseWhole(bytes))).isEqualTo(latin1(bytes));
        }
        for (String s : List.of(LF_STREAM, CR_STREAM)) {
            byte[] bytes = utf8(s);
            assertThat(rawConcat(parseBytewise(bytes))).as("bytewise").isEqualTo(latin1(bytes));
        }
    }

    @Test
    void rawOfLfStreamSplitAnywhereConcatenatesToTheInput() {
        byte[] bytes = utf8(LF_STREAM);
        for (int at = 0; at <= bytes.length; at++) {
            assertThat(rawConcat(parseSplitAt(bytes, at))).as("split at %d", at).isEqualTo(latin1(bytes));
        }
    }

    @Test
    void rawIsACopyNotAffectedByLaterFeeds() {
        SseParser p = new SseParser();
        List<StreamChunk> out = new ArrayList<>();
        p.feed(Buffer.buffer("data: a\n\ndata: b"), out::add);
        p.feed(Buffer.buffer("\n\n"), out::add);
        assertThat(out).hasSize(2);
        assertThat(out.get(0).raw().toString(StandardCharsets.UTF_8)).isEqualTo("data: a\n\n");
        assertThat(out.get(1).raw().toString(StandardCharsets.UTF_8)).isEqualTo("data: b\n\n");
    }

    // ---- partial events ------------------------------------------------------------------------

    @Test
    void hasPartialEventTracksUnterminatedEvents() {
        SseParser p = new SseParser();
        assertThat(p.hasPartialEvent()).isFalse();
        List<Ev> out = new ArrayList<>();
        p.feed(Buffer.buffer("data: a"), c -> out.add(Ev.of(c)));
        assertThat(out).isEmpty();
        assertThat(p.hasPartialEvent()).isTrue();
        p.feed(Buffer.buffer("\n"), c -> out.add(Ev.of(c)));
        assertThat(out).isEmpty();
        assertThat(p.hasPartialEvent()).isTrue();
        p.feed(Buffer.buffer("\n"), c -> out.add(Ev.of(c)));
        assertThat(out).containsExactly(ev(null, "a", "data: a\n\n"));
        assertThat(p.hasPartialEvent()).isFalse();
    }

    @Test
    void hasPartialEventAfterCompleteEventFollowedByStartOfAnother() {
        SseParser p = new SseParser();
        List<Ev> out = feedAll(p, utf8("data: a\n\nevent: x\n"));
        assertThat(out).containsExactly(ev(null, "a", "data: a\n\n"));
        assertThat(p.hasPartialEvent()).isTrue();
    }

    @Test
    void unterminatedCommentIsPartial() {
        SseParser p = new SseParser();
        feedAll(p, utf8(": keepalive\n"));
        assertThat(p.hasPartialEvent()).isTrue();
    }

    // ---- size limit --------------------------------------------------------------------------------

    @Test
    void eventPastMaxSizeThrows() {
        SseParser p = new SseParser();
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, (byte) 'x');
        List<StreamChunk> out = new ArrayList<>();
        p.feed(Buffer.buffer("data: "), out::add);
        int fed = 6;
        while (fed + chunk.length <= SseParser.MAX_EVENT_BYTES) {
            p.feed(Buffer.buffer(chunk), out::add);
            fed += chunk.length;
        }
        // top up to exactly the limit: still accepted
        byte[] rest = new byte[SseParser.MAX_EVENT_BYTES - fed];
        Arrays.fill(rest, (byte) 'x');
        p.feed(Buffer.buffer(rest), out::add);
        assertThat(out).isEmpty();
        assertThatThrownBy(() -> p.feed(Buffer.buffer("x"), out::add))
                .isInstanceOf(SseParser.EventTooLarge.class)
                .hasMessage("event too large");
    }

    @Test
    void manyCompleteEventsInOneBufferAreNotTooLarge() {
        String data = "y".repeat(20_000);
        String one = "data: " + data + "\n\n";
        int count = SseParser.MAX_EVENT_BYTES / one.length() + 10;
        Buffer big = Buffer.buffer(one.repeat(count));
        assertThat(big.length()).isGreaterThan(SseParser.MAX_EVENT_BYTES);
        List<StreamChunk> out = new ArrayList<>();
        new SseParser().feed(big, out::add);
        assertThat(out).hasSize(count);
        assertThat(out.get(count - 1).data()).isEqualTo(data);
    }

    // ---- UTF-8 ----------------------------------------------------------------------------------------

    @Test
    void multibyteCharactersSplitAcrossBuffersDecode() {
        String text = "data: \u00e9\u20ac\uD834\uDD1E\u4e2d\u6587\n\n";
        byte[] bytes = utf8(text);
        List<Ev> expected = List.of(ev(null, "\u00e9\u20ac\uD834\uDD1E\u4e2d\u6587", text));
        assertThat(parseBytewise(bytes)).containsExactlyElementsOf(expected);
        for (int at = 0; at <= bytes.length; at++) {
            assertThat(parseSplitAt(bytes, at)).as("split at %d", at).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void emittedChunkJsonParsesAndDoneIsDetected() {
        List<StreamChunk> out = new ArrayList<>();
        new SseParser().feed(Buffer.buffer("data: {\"n\":2}\n\ndata: [DONE]\n\n"), out::add);
        assertThat(out.get(0).json().get("n").intValue()).isEqualTo(2);
        assertThat(out.get(0).isDone()).isFalse();
        assertThat(out.get(1).isDone()).isTrue();
    }
}
