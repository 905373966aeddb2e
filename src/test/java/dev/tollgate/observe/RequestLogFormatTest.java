package dev.tollgate.observe;

import dev.tollgate.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The request line is built by hand for speed: its strings must be valid JSON whatever they hold. */
class RequestLogFormatTest {

    private static String str(String s) {
        StringBuilder b = new StringBuilder();
        RequestLog.str(b, s);
        return b.toString();
    }

    @Test
    void escapesQuotesBackslashesAndControlCharacters() throws Exception {
        assertThat(str("a\"b\\c\nd\re\tf\u0001g\u2028")).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u2028\"");
        String tricky = "he said \"hi\"\\\n\u0000\u001f é 漢 😀 </script>";
        assertThat(Json.parse(str(tricky)).textValue()).isEqualTo(tricky);
    }

    @Test
    void timestampsAreUtcWithMilliseconds() {
        for (long t : new long[]{0L, 1_795_000_000_000L, 1_795_000_000_007L, 1_795_000_020_000L, 1_795_000_059_999L}) {
            StringBuilder b = new StringBuilder();
            RequestLog.timestamp(b, t);
            assertThat(b.toString()).isEqualTo(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
                    .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(t)));
        }
    }
}
