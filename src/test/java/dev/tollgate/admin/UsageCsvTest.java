package dev.tollgate.admin;

import dev.tollgate.store.UsageQueries;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UsageCsvTest {

    @Test
    void formulaStartsAreNeutralisedAndSpecialCharactersQuoted() {
        assertThat(UsageCsv.field("=1+2")).isEqualTo("'=1+2");
        assertThat(UsageCsv.field("+cmd")).isEqualTo("'+cmd");
        assertThat(UsageCsv.field("-2")).isEqualTo("'-2");
        assertThat(UsageCsv.field("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(UsageCsv.field("\tx")).isEqualTo("'\tx");
        assertThat(UsageCsv.field("a,b")).isEqualTo("\"a,b\"");
        assertThat(UsageCsv.field("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(UsageCsv.field("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(UsageCsv.field("=HYPERLINK(\"http://x\",\"y\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assertThat(UsageCsv.field("gpt-4o")).isEqualTo("gpt-4o");
        assertThat(UsageCsv.field(null)).isEmpty();
    }

    @Test
    void aReportBecomesOneLinePerGroupAfterTheHeader() {
        TextReply r = UsageCsv.of(UsageQueries.GroupBy.DAY, List.of(new UsageQueries.Row("2026-11-24", 3, 10, 2, 20, 1, 1_500_000_000L),
                new UsageQueries.Row(null, 1, 0, 0, 0, 0, 123)));
        assertThat(r.fileName()).isEqualTo("tollgate-usage-by-day.csv");
        assertThat(r.body()).isEqualTo("group,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd\r\n"
                + "2026-11-24,3,10,2,20,1,1.5\r\n,1,0,0,0,0,0.000000123\r\n");
    }
}
