package dev.tollgate.wire;

import dev.tollgate.api.Endpoint;
import dev.tollgate.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tollgate.wire.WireFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every event of a Responses stream carries an increasing {@code sequence_number}, the events the
 * gateway adds too: an added event takes the next number and the upstream's later events move up,
 * rewritten only then; an untouched stream keeps its bytes.
 */
class ResponsesSequenceTest {

    private final AnswerCodec codec = Codecs.of(Endpoint.Kind.RESPONSES);

    private List<StreamChunk> unchanged(String event, String data) {
        StreamChunk c = sse(event, data);
        Frame f = Frame.of(c);
        List<AnswerEvent> in = codec.decode(f, Interest.EVENTS);
        return codec.encode(f, in, in);
    }

    @Test
    void anAddedEventTakesTheNextNumberAndLaterEventsMoveUp() throws Exception {
        assertThat(wire(unchanged("response.created", R_CREATED))).isEqualTo("event: response.created\ndata: " + R_CREATED + "\n\n");
        unchanged("response.output_item.added", R_MSG_ADDED);
        unchanged("response.content_part.added", R_PART_ADDED);

        // A policy adds text at another part of the message after the upstream's delta (number 3).
        StreamChunk delta = sse("response.output_text.delta", R_TEXT_DELTA);
        Frame f = Frame.of(delta);
        List<AnswerEvent> in = codec.decode(f, Interest.EVENTS);
        List<AnswerEvent> out = new ArrayList<>(in);
        out.add(new AnswerEvent.Text(0, 1, AnswerEvent.Channel.CONTENT, "[note]", AnswerEvent.Form.DELTA, null));
        assertThat(wire(codec.encode(f, in, out))).isEqualTo("event: response.output_text.delta\ndata: " + R_TEXT_DELTA + "\n\n"
                + "event: response.output_text.delta\ndata: " + q("{'type':'response.output_text.delta','item_id':'msg_1','output_index':0,"
                + "'content_index':1,'delta':'[note]','sequence_number':4}") + "\n\n");

        // The upstream's 4 and 5 are sent as 5 and 6.
        assertThat(wire(unchanged("response.output_text.done", R_TEXT_DONE))).isEqualTo("event: response.output_text.done\ndata: "
                + R_TEXT_DONE.replace("\"sequence_number\":4", "\"sequence_number\":5") + "\n\n");
        assertThat(wire(unchanged("response.output_item.added", R_FC_ADDED))).isEqualTo("event: response.output_item.added\ndata: "
                + R_FC_ADDED.replace("\"sequence_number\":5", "\"sequence_number\":6") + "\n\n");

        // An error the gateway ends the stream with comes next.
        ObjectNode error = (ObjectNode) Json.parse(q("{'error':{'message':'Stalled','type':'upstream_error','param':null,'code':'stream_timeout'}}"));
        assertThat(codec.gatewayEvent(codec.failureEvent(error)).toWire().toString()).isEqualTo("event: error\ndata: "
                + q("{'type':'error','code':'stream_timeout','message':'Stalled','param':null,'sequence_number':7}") + "\n\n");
    }

    @Test
    void anEventRelayedUndecodedStillCountsForTheNextGatewayEvent() throws Exception {
        codec.passedUndecoded(sse("response.output_text.delta", R_TEXT_DELTA));
        ObjectNode error = (ObjectNode) Json.parse(q("{'error':{'message':'Cut','type':'upstream_error','param':null,'code':'stream_interrupted'}}"));
        assertThat(codec.gatewayEvent(codec.failureEvent(error)).toWire().toString()).isEqualTo("event: error\ndata: "
                + q("{'type':'error','code':'stream_interrupted','message':'Cut','param':null,'sequence_number':4}") + "\n\n");
    }
}
