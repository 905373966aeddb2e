package dev.tollgate.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointTest {

    @Test
    void knownModelEndpointsAreClassified() {
        assertThat(Endpoint.of("/chat/completions").kind()).isEqualTo(Endpoint.Kind.CHAT_COMPLETIONS);
        assertThat(Endpoint.of("/completions").kind()).isEqualTo(Endpoint.Kind.COMPLETIONS);
        assertThat(Endpoint.of("/responses").kind()).isEqualTo(Endpoint.Kind.RESPONSES);
        assertThat(Endpoint.of("/embeddings").kind()).isEqualTo(Endpoint.Kind.EMBEDDINGS);
        assertThat(Endpoint.of("/moderations").kind()).isEqualTo(Endpoint.Kind.MODERATIONS);
        assertThat(Endpoint.of("/images/generations").kind()).isEqualTo(Endpoint.Kind.IMAGES_GENERATIONS);
        assertThat(Endpoint.of("/audio/speech").kind()).isEqualTo(Endpoint.Kind.AUDIO_SPEECH);
    }

    @Test
    void everythingElseIsOtherAndKeepsItsPath() {
        assertThat(Endpoint.of("GET", "/files/File-AbC")).isEqualTo(new Endpoint(Endpoint.Kind.OTHER, "/files/File-AbC", true, Route.READ));
        assertThat(Endpoint.of("/chat/completions/abc").kind()).isEqualTo(Endpoint.Kind.OTHER);
        assertThat(Endpoint.of("/images/edits").kind()).isEqualTo(Endpoint.Kind.OTHER);
        assertThat(Endpoint.of("/models").kind()).isEqualTo(Endpoint.Kind.OTHER);
    }

    @Test
    void catalogedPathsAreRespelledRegardlessOfCaseKeepingParameters() {
        Endpoint chat = Endpoint.of("/Chat/COMPLETIONS");
        assertThat(chat.kind()).isEqualTo(Endpoint.Kind.CHAT_COMPLETIONS);
        assertThat(chat.apiPath()).isEqualTo("/chat/completions");
        Endpoint run = Endpoint.of("POST", "/Threads/thread_AbC/RUNS");
        assertThat(run.apiPath()).isEqualTo("/threads/thread_AbC/runs");
        assertThat(run.route().model()).isEqualTo(Route.Model.REQUIRED);
        assertThat(run.route().billing()).isEqualTo(Route.Billing.UNBOUNDED);
        assertThat(Endpoint.of("GET", "/threads/thread_AbC/runs").route()).isEqualTo(Route.READ);
        assertThat(Endpoint.of("DELETE", "/assistants/asst_1").route()).isEqualTo(Route.READ);
        assertThat(Endpoint.of("POST", "/batches").route().model()).isEqualTo(Route.Model.UNJUDGEABLE);
        assertThat(Endpoint.of("POST", "/realtime/client_secrets").route().modelParam()).isEqualTo("session.model");
        assertThat(Endpoint.of("POST", "/no/such/thing").route()).isEqualTo(Route.UNKNOWN);
        assertThat(Endpoint.of("PATCH", "/chat/completions").route().model()).isEqualTo(Route.Model.REQUIRED);
    }

    @Test
    void kindFlags() {
        assertThat(Endpoint.Kind.CHAT_COMPLETIONS.streams).isTrue();
        assertThat(Endpoint.Kind.COMPLETIONS.streams).isTrue();
        assertThat(Endpoint.Kind.RESPONSES.streams).isTrue();
        assertThat(Endpoint.Kind.EMBEDDINGS.streams).isFalse();
        assertThat(Endpoint.Kind.AUDIO_SPEECH.streams).isFalse();
        assertThat(Endpoint.Kind.EMBEDDINGS.jsonBody).isTrue();
        assertThat(Endpoint.Kind.OTHER.jsonBody).isFalse();
        assertThat(Endpoint.Kind.OTHER.streams).isFalse();
    }

    @Test
    void logPathHasV1Prefix() {
        assertThat(Endpoint.of("/chat/completions").logPath()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void isImages() {
        assertThat(Endpoint.of("/images/generations").isImages()).isTrue();
        assertThat(Endpoint.of("/images/edits").isImages()).isTrue();
        assertThat(Endpoint.of("/images").isImages()).isFalse();
        assertThat(Endpoint.of("/chat/completions").isImages()).isFalse();
    }
}
