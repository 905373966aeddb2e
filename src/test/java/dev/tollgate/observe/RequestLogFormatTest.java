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
}
