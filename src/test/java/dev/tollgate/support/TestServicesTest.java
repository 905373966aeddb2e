package dev.tollgate.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestServicesTest {

    @Test
    void anUnreachableServiceSkipsOrFailsNamingHowToStartIt() {
        TestServices.Service nothing = new TestServices.Service("Nothing", "127.0.0.1", 1, "start nothing");
        assertThat(TestServices.reachable(nothing)).isFalse();
        Class<? extends Throwable> expected = TestServices.required() ? AssertionError.class
                : org.opentest4j.TestAbortedException.class;
        assertThatThrownBy(() -> TestServices.need(nothing)).isInstanceOf(expected)
                .hasMessageContaining("Nothing is not reachable at 127.0.0.1:1").hasMessageContaining("start nothing");
    }

    @Test
    void aMissingToolSkipsOrFailsNamingHowToGetIt() {
        Class<? extends Throwable> expected = TestServices.required() ? AssertionError.class
                : org.opentest4j.TestAbortedException.class;
        assertThatThrownBy(() -> TestServices.need("sometool", false, "apt-get install sometool")).isInstanceOf(expected)
                .hasMessageContaining("sometool is missing").hasMessageContaining("apt-get install sometool");
        TestServices.need("sometool", true, "apt-get install sometool"); // present: returns
    }
}
