package dev.tollgate.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * A provider is one package plus one line in {@code Providers.ALL}: the providers do not know each
 * other, and configuration knows none of them (their settings join the catalog from above).
 */
class ProviderLayeringTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.tollgate");
    }

    @Test
    void providersDoNotKnowEachOther() {
        slices().matching("dev.tollgate.provider.(*)..").should().notDependOnEachOther().check(classes);
    }

    @Test
    void configurationKnowsNoProvider() {
        noClasses().that().resideInAPackage("dev.tollgate.config..")
                .should().dependOnClassesThat().resideInAPackage("dev.tollgate.provider..")
                .check(classes);
    }
}
