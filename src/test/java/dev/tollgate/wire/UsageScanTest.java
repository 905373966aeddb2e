package dev.tollgate.wire;

import org.junit.jupiter.api.Test;

import static dev.tollgate.wire.AnswerCodec.hasUsageObject;
import static org.assertj.core.api.Assertions.assertThat;

class UsageScanTest {

    @Test
    void usageObjectIsFound() {
        assertThat(hasUsageObject("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}")).isTrue();
        assertThat(hasUsageObject("{\"usage\":{}}")).isTrue();
    }

    @Test
    void whitespaceAroundColonIsAllowed() {
        assertThat(hasUsageObject("{\"usage\": {\"total_tokens\":3}}")).isTrue();
        assertThat(hasUsageObject("{\"usage\" :\n\t {\"total_tokens\":3}}")).isTrue();
    }

    @Test
    void nullOrNonObjectUsageIsNotAUsageObject() {
        assertThat(hasUsageObject("{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}")).isFalse();
        assertThat(hasUsageObject("{\"usage\":[]}")).isFalse();
        assertThat(hasUsageObject("{\"usage\":\"{\"}")).isFalse();
        assertThat(hasUsageObject("{\"usage\":3}")).isFalse();
    }

    @Test
    void usageInsideAStringValueIsNotMatched() {
        assertThat(hasUsageObject("{\"content\":\"the \\\"usage\\\":{ word\"}")).isFalse();
        assertThat(hasUsageObject("{\"content\":\"usage: {\"}")).isFalse();
        assertThat(hasUsageObject("{\"content\":\"\\\"usage\\\": {\\\"a\\\":1}\",\"usage\":null}")).isFalse();
    }

    @Test
    void usageAsAValueIsNotAKey() {
        assertThat(hasUsageObject("{\"type\":\"usage\",\"x\":{}}")).isFalse();
        assertThat(hasUsageObject("[\"usage\",{}]")).isFalse();
    }

    @Test
    void nestedUsageObjectIsFound() {
        // Responses API: usage sits inside the final response object
        assertThat(hasUsageObject("{\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":{\"input_tokens\":5}}}")).isTrue();
    }

    @Test
    void laterOccurrenceIsFoundAfterANullOne() {
        assertThat(hasUsageObject("{\"usage\":null,\"response\":{\"usage\":{\"total_tokens\":1}}}")).isTrue();
        assertThat(hasUsageObject("{\"content\":\"\\\"usage\\\":{\",\"usage\":{\"total_tokens\":1}}")).isTrue();
    }

    @Test
    void similarKeysDoNotCount() {
        assertThat(hasUsageObject("{\"usages\":{}}")).isFalse();
        assertThat(hasUsageObject("{\"prompt_usage\":{}}")).isFalse();
        assertThat(hasUsageObject("{\"Usage\":{}}")).isFalse();
    }

    @Test
    void truncatedOrEmptyTextIsFalse() {
        assertThat(hasUsageObject("")).isFalse();
        assertThat(hasUsageObject("\"usage\"")).isFalse();
        assertThat(hasUsageObject("{\"usage\":")).isFalse();
        assertThat(hasUsageObject("{\"usage\"   ")).isFalse();
    }
}
