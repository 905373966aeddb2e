package dev.tollgate.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.Locale;

/**
 * Counts tokens the way OpenAI's tokenizers do (tiktoken encodings, via jtokkit). Models of the
 * GPT-4o generation and later use o200k_base; GPT-4, GPT-3.5 and the embedding models use
 * cl100k_base. Other providers' models are counted with o200k_base as an estimate.
 */
public final class TokenCounter {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private TokenCounter() {}

    /**
     * Loads every encoding the gateway uses, so the first request never waits for one on an event
     * loop (o200k_base takes about a second to build). Called at start-up, off the event loops.
     */
    public static void warmUp() {
        REGISTRY.getEncoding(EncodingType.O200K_BASE).countTokensOrdinary("warm");
        REGISTRY.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary("warm");
    }

    public static Encoding encodingFor(String model) {
        return REGISTRY.getEncoding(encodingTypeFor(model));
    }

    static EncodingType encodingTypeFor(String model) {
        String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
        if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5") || m.startsWith("o1") || m.startsWith("o3") || m.startsWith("o4")) {
            return EncodingType.O200K_BASE;
        }
        if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("text-embedding-") || m.startsWith("text-davinci")) {
            return EncodingType.CL100K_BASE;
        }
        return EncodingType.O200K_BASE;
    }

    public static int count(String model, String text) {
        return encodingFor(model).countTokensOrdinary(text);
    }
}
