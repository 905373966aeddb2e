package dev.tollgate.caller.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.TranslationException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every request {@link MessagesInbound#toOpenAi} refuses, from {@code invalid-requests.json}: the
 * exact message the caller will read and the param it names.
 */
class MessagesTranslationErrorsTest {

    @TestFactory
    Stream<DynamicTest> refusedRequests() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode row : Fixtures.json("invalid-requests.json")) {
            tests.add(DynamicTest.dynamicTest(row.get("name").textValue(), () -> {
                TranslationException e = catchThrowableOfType(TranslationException.class,
                        () -> MessagesInbound.toOpenAi((ObjectNode) row.get("request")));
                assertThat(e).as("refused").isNotNull();
                assertThat(e.getMessage()).isEqualTo(row.get("message").textValue());
                assertThat(e.param()).isEqualTo(row.get("param").textValue());
                assertThat(e.getStackTrace()).as("a user error carries no stack trace").isEmpty();
            }));
        }
        return tests.stream();
    }
}
