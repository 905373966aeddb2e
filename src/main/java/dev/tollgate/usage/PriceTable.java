package dev.tollgate.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model name → {@link ModelPrice}: the built-in list prices (prices.yaml) with the config's
 * overrides. Immutable; {@link #lookup} runs on every request, so resolved names are memoized.
 *
 * <p>Lookup order, all case-insensitive:
 * <ol>
 *   <li>a listed name or alias, exactly;</li>
 *   <li>the name without provider prefix ({@code models/gemini-embedding-001}), exactly;</li>
 *   <li>that without version suffixes ({@code openai/gpt-4o-2024-08-06} → {@code gpt-4o}; see
 *       {@link ModelNames}), exactly;</li>
 *   <li>the longest listed name that is a prefix of that name followed by "-"
 *       ({@code gpt-4o-mini-search} → {@code gpt-4o-mini}, never {@code gpt-4o}).</li>
 * </ol>
 * Anything else is unknown (null): fine-tuned ({@code ft:...}) and unlisted models are not guessed.
 */
public final class PriceTable {

    /** Bound of the memo: beyond it the memo starts over, so random model names cannot grow memory. */
    static final int MAX_CACHED = 10_000;
    /** No real model name is longer; longer ones are unknown without further work (or memo space). */
    static final int MAX_NAME_LENGTH = 256;

    private static final String RESOURCE = "/prices.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Canonical name → the entry as written (for field-wise overrides). */
    private final Map<String, ObjectNode> sources;
    /** Canonical names and aliases → price. */
    private final Map<String, ModelPrice> byName;
    private final Map<String, ModelPrice> models;
    private final ConcurrentHashMap<String, Optional<ModelPrice>> memo = new ConcurrentHashMap<>();

    private PriceTable(Map<String, ObjectNode> sources) {
        Map<String, ModelPrice> models = new LinkedHashMap<>();
        Map<String, ModelPrice> byName = new HashMap<>();
        for (var e : sources.entrySet()) {
            ModelPrice price = PriceParser.parse(e.getKey(), e.getValue());
            models.put(price.name(), price);
            claim(byName, price.name(), price);
            for (String alias : price.aliases()) claim(byName, alias, price);
        }
        this.sources = Collections.unmodifiableMap(sources);
        this.models = Collections.unmodifiableMap(models);
        this.byName = Map.copyOf(byName);
    }

    private static void claim(Map<String, ModelPrice> byName, String name, ModelPrice price) {
        ModelPrice other = byName.putIfAbsent(name, price);
        if (other != null && other != price) {
            throw PriceParser.error(price.name(), "name or alias \"" + name + "\" is already used by model \"" + other.name() + "\"");
        }
    }

    /** The prices shipped in prices.yaml (parsed once). */
    public static PriceTable builtIn() {
        return BuiltIn.TABLE;
    }

    private static final class BuiltIn {
        static final PriceTable TABLE = load();

        private static PriceTable load() {
            try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
                return parse(YAML.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
        }
    }

    /**
     * A table from a map of model name → whole price object ({@code input}, {@code output},
     * optional {@code cached_input}, {@code cache_write}, {@code image_input},
     * {@code max_output_tokens}, {@code aliases}, {@code images}).
     *
     * @throws IllegalArgumentException naming the model and field, for anything malformed
     */
    public static PriceTable parse(JsonNode models) {
        if (models == null || !models.isObject()) {
            throw new IllegalArgumentException("prices: must be a map of model name to prices");
        }
        Map<String, ObjectNode> sources = new LinkedHashMap<>();
        for (var e : models.properties()) {
            String name = checkedName(e.getKey());
            PriceParser.checkFields(name, e.getValue());
            if (sources.put(name, (ObjectNode) e.getValue().deepCopy()) != null) {
                throw PriceParser.error(name, "listed twice");
            }
        }
        return new PriceTable(sources);
    }

    /**
     * This table with the config's {@code prices} map applied. An entry whose name (or alias) is
     * listed overrides only the fields it gives (a given {@code aliases} or {@code images} replaces
     * the listed one whole); other entries are new models and must be complete. Null or an empty
     * map returns this table.
     *
     * @throws IllegalArgumentException naming the model and field, for anything malformed
     */
    public PriceTable withOverrides(JsonNode overrides) {
        if (overrides == null || overrides.isNull() || (overrides.isObject() && overrides.isEmpty())) return this;
        if (!overrides.isObject()) {
            throw new IllegalArgumentException("prices: must be a map of model name to prices");
        }
        Map<String, ObjectNode> merged = new LinkedHashMap<>();
        sources.forEach((name, entry) -> merged.put(name, entry.deepCopy()));
        for (var e : overrides.properties()) {
            String name = checkedName(e.getKey());
            PriceParser.checkFields(name, e.getValue());
            ModelPrice listed = byName.get(name);
            if (listed != null) {
                merged.get(listed.name()).setAll((ObjectNode) e.getValue().deepCopy());
            } else if (merged.containsKey(name)) {
                merged.get(name).setAll((ObjectNode) e.getValue().deepCopy()); // added by an earlier override key
            } else {
                merged.put(name, (ObjectNode) e.getValue().deepCopy());
            }
        }
        return new PriceTable(merged);
    }

    private static String checkedName(String key) {
        String name = ModelNames.normalize(key);
        if (name.isEmpty()) throw new IllegalArgumentException("prices: empty model name");
        return name;
    }

    /** The price of a model as clients and providers name it, or null when unknown. Cheap: memoized. */
    public ModelPrice lookup(String model) {
        if (model == null || model.isEmpty() || model.length() > MAX_NAME_LENGTH) return null;
        Optional<ModelPrice> hit = memo.get(model);
        if (hit == null) {
            hit = Optional.ofNullable(resolve(model));
            if (memo.size() >= MAX_CACHED) memo.clear();
            memo.put(model, hit);
        }
        return hit.orElse(null);
    }

    private ModelPrice resolve(String model) {
        String m = ModelNames.normalize(model);
        ModelPrice p = byName.get(m);
        if (p != null) return p;
        m = ModelNames.withoutProvider(m);
        p = byName.get(m);
        if (p != null) return p;
        m = ModelNames.withoutVersion(m);
        p = byName.get(m);
        if (p != null) return p;
        for (int dash = m.lastIndexOf('-'); dash > 0; dash = m.lastIndexOf('-', dash - 1)) {
            p = byName.get(m.substring(0, dash)); // rightmost dash first: the longest prefix wins
            if (p != null) return p;
        }
        return null;
    }

    /** The listed model of that exact canonical name (no alias or suffix resolution), or null. */
    public ModelPrice model(String name) {
        return models.get(name);
    }

    /** Every listed model, in file order (overrides' new models last). */
    public Collection<ModelPrice> models() {
        return models.values();
    }

    int memoSize() {
        return memo.size();
    }

    @Override
    public String toString() {
        return "PriceTable" + models.keySet();
    }
}
