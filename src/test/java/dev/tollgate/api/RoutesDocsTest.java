package dev.tollgate.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's table of operations that name a model, or whose cost is not bounded, lists the whole catalog. */
class RoutesDocsTest {

    @Test
    void everyJudgedOrUnboundedOperationIsInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### One request, one identity"), readme.indexOf("## Performance"));
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
