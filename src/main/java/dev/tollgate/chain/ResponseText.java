package dev.tollgate.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of a whole model answer, wherever the endpoint puts it: chat
 * {@code choices[].message.content}, legacy {@code choices[].text}, Responses
 * {@code output[].content[].text} of {@code output_text} parts. Each field can be rewritten in place.
 */
public final class ResponseText {

    private ResponseText() {}

    /** One text field: its holder object and field name. */
    public record Field(ObjectNode holder, String name) {
        public String text() {
            return holder.get(name).asText();
        }

        public void replace(String text) {
            holder.put(name, text);
        }
    }

    public static List<Field> of(JsonNode body) {
        List<Field> out = new ArrayList<>();
        for (JsonNode choice : body.path("choices")) {
            JsonNode message = choice.get("message");
            if (message instanceof ObjectNode m && m.path("content").isTextual()) out.add(new Field(m, "content"));
            if (choice instanceof ObjectNode c && c.path("text").isTextual()) out.add(new Field(c, "text"));
        }
        outputParts(body.path("output"), out);
        return out;
    }

    /** Responses API output items: the text of their output_text parts. */
    public static void outputParts(JsonNode output, List<Field> out) {
        for (JsonNode item : output) {
            for (JsonNode part : item.path("content")) {
                if (part instanceof ObjectNode p && "output_text".equals(p.path("type").asText()) && p.path("text").isTextual()) {
                    out.add(new Field(p, "text"));
                }
            }
        }
    }
}
