package dev.tollgate.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The allowed dependencies between packages, checked on the compiled classes: no package cycles;
 * the layers below the server never reach up into it; a policy is one package that knows only the
 * chain and the shared helpers below it, and no two policies know each other.
 */
class LayeringTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.tollgate");
    }

    /** Packages that know nothing of requests in flight: plain data, parsing, arithmetic (and the wire views they count). */
    @Test
    void foundationsDependOnNothingAbove() {
        noClasses().that().resideInAnyPackage("dev.tollgate.api..", "dev.tollgate.json..", "dev.tollgate.usage..",
                        "dev.tollgate.budget..", "dev.tollgate.limits..", "dev.tollgate.keys..", "dev.tollgate.secret..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.policy..", "dev.tollgate.chain..", "dev.tollgate.access..",
                        "dev.tollgate.store..", "dev.tollgate.admin..", "dev.tollgate.observe..", "dev.tollgate.upstream..",
                        "dev.tollgate.caller..", "dev.tollgate.cli..", "dev.tollgate.config..")
                .check(classes);
    }

    @Test
    void theChainKnowsNoServerProviderOrPolicy() {
        noClasses().that().resideInAPackage("dev.tollgate.chain..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.policy..", "dev.tollgate.access..", "dev.tollgate.store..",
                        "dev.tollgate.admin..", "dev.tollgate.observe..", "dev.tollgate.upstream..")
                .check(classes);
    }

    /** Policies see answers as typed events and requests through the exchange: never wire formats or transports. */
    @Test
    void policiesKnowOnlyTheChainAndWhatIsBelowIt() {
        noClasses().that().resideInAPackage("dev.tollgate.policy..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.access..", "dev.tollgate.store..", "dev.tollgate.admin..",
                        "dev.tollgate.caller..", "dev.tollgate.cli..")
                .check(classes);
    }

    /** A policy is one package: the shared screen is the only package two policies may use. */
    @Test
    void policiesDoNotKnowEachOther() {
        slices().matching("dev.tollgate.policy.(*)..").should().notDependOnEachOther()
                .ignoreDependency(com.tngtech.archunit.base.DescribedPredicate.alwaysTrue(),
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("dev.tollgate.policy.screen.."))
                .check(classes);
    }

    @Test
    void theLogKnowsNoPolicy() {
        noClasses().that().resideInAPackage("dev.tollgate.observe..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.policy..", "dev.tollgate.server..",
                        "dev.tollgate.provider..", "dev.tollgate.stream..")
                .check(classes);
    }

    @Test
    void providersDoNotKnowTheServer() {
        noClasses().that().resideInAPackage("dev.tollgate.provider..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.policy..",
                        "dev.tollgate.access..", "dev.tollgate.store..", "dev.tollgate.admin..")
                .check(classes);
    }

    /** No package reaches, however indirectly, back into itself: each can be understood, and tested, from below. */
    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.tollgate.(*)..").should().beFreeOfCycles().check(classes);
    }

    /** The canonical views (events, frames, the prompt walk) rest on plain data only. */
    @Test
    void theWireKnowsOnlyFoundations() {
        noClasses().that().resideInAPackage("dev.tollgate.wire..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.policy..", "dev.tollgate.chain..", "dev.tollgate.access..",
                        "dev.tollgate.store..", "dev.tollgate.admin..", "dev.tollgate.observe..", "dev.tollgate.upstream..",
                        "dev.tollgate.caller..", "dev.tollgate.config..", "dev.tollgate.usage..")
                .check(classes);
    }

    /** The metrics record what the server hands them (the exchange, plain values): they reach into no capability. */
    @Test
    void metricsKnowNoCapability() {
        noClasses().that().resideInAPackage("dev.tollgate.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.policy..", "dev.tollgate.access..", "dev.tollgate.store..",
                        "dev.tollgate.admin..", "dev.tollgate.observe..", "dev.tollgate.upstream..", "dev.tollgate.caller..",
                        "dev.tollgate.sharedstate..", "dev.tollgate.cli..")
                .check(classes);
    }

    /** Tracing is told about a request by the server, the upstream call and the stream relay: it knows none of them. */
    @Test
    void tracingKnowsNoneOfWhatItTraces() {
        noClasses().that().resideInAPackage("dev.tollgate.trace..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.policy..", "dev.tollgate.access..", "dev.tollgate.store..",
                        "dev.tollgate.admin..", "dev.tollgate.upstream..", "dev.tollgate.caller..", "dev.tollgate.cli..")
                .check(classes);
    }

    /** Settings are read by everyone and know no one. */
    @Test
    void configKnowsNoCapability() {
        noClasses().that().resideInAPackage("dev.tollgate.config..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tollgate.server..", "dev.tollgate.stream..",
                        "dev.tollgate.provider..", "dev.tollgate.policy..", "dev.tollgate.chain..", "dev.tollgate.access..",
                        "dev.tollgate.store..", "dev.tollgate.admin..", "dev.tollgate.observe..", "dev.tollgate.upstream..")
                .check(classes);
    }
}
