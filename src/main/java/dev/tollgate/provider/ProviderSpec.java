package dev.tollgate.provider;

import dev.tollgate.config.Setting;
import dev.tollgate.config.Settings;

import java.util.List;

/**
 * What a provider declares about itself: the names a deployment's {@code provider} accepts, what
 * its {@code base_url} means, how an entry of {@code TOLLGATE_MODELS} becomes a deployment (its
 * credential rule and its own fields), its settings, and its adapter. Each provider package has
 * one; {@link Providers#ALL} lists them.
 */
public interface ProviderSpec {

    /** The name in logs, deployment ids and {@code owned_by} of {@code /v1/models}: "openai". */
    String id();

    /** Other names {@code provider} accepts for it: "openai-compatible". */
    default List<String> aliases() {
        return List.of();
    }

    /** Deployment fields only this provider reads, besides provider, model, base_url, api_key_env and weight. */
    default List<String> fields() {
        return List.of();
    }

    /** Whether it counts a prompt's tokens with an endpoint of its own (Anthropic's count_tokens); else the gateway's tokenizer does. */
    default boolean countsTokens() {
        return false;
    }

    /** Whether its API is Anthropic's Messages, so an Anthropic client's request can go to it as it came. */
    default boolean speaksAnthropicMessages() {
        return false;
    }

    /** Its configuration keys, joined to the settings catalog. */
    default List<Setting<?>> settings() {
        return List.of();
    }

    /**
     * The configured {@code base_url} (already a valid http(s) URL without trailing slash) as the
     * adapter appends its paths to it: normalised, or refused with an {@link IllegalArgumentException}
     * whose message says what to give instead.
     */
    default String baseUrl(String configured) {
        return configured;
    }

    /** Start-up checks of its own settings beyond their types; throws naming the key. */
    default void check(Settings s) {}

    /** One deployment entry as a deployment: errors name the entry and field ({@link DeploymentEntry}). */
    Deployment deployment(DeploymentEntry entry, Settings s);

    /** The adapter serving every deployment of this provider. */
    ProviderAdapter adapter(Settings s);
}
