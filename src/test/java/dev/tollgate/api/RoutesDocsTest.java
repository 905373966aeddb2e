package dev.tollgate.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The table of operations that name a model, or whose cost is not bounded (docs/security.md), lists the whole catalog. */
class RoutesDocsTest {

    @Test
    void everyJudgedOrUnboundedOperationIsInTheSecurityDocs() throws Exception {
        String doc = Files.readString(Path.of("docs/security.md"));
        int start = doc.indexOf("\n## One request, one identity\n");
        assertThat(start).as("docs/security.md has the section 'One request, one identity'").isNotNegative();
        String section = doc.substring(start);
        for (Route r : Routes.all()) {
            if (r.model() == Route.Model.NONE && r.billing() != Route.Billing.UNBOUNDED) continue;
            assertThat(section).as(r.pattern()).contains("`/v1" + r.pattern() + "`");
        }
    }

    @Test
    void theCatalogHasNoPatternTwice() {
        assertThat(Routes.all().stream().map(Route::pattern).distinct().count()).isEqualTo(Routes.all().size());
    }
}
