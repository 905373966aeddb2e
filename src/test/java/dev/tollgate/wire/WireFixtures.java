package dev.tollgate.wire;

import dev.tollgate.wire.StreamChunk;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/** Answer frames as upstreams send them, and a compact text form of decoded events, for the codec tests. */
final class WireFixtures {

    private WireFixtures() {}

    /** JSON written with single quotes (no escaping noise); a \' stays a quote inside a string. */
    static String q(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A stream event as the SSE parser hands it over: data, optional event name, original bytes. */
    static StreamChunk sse(String event, String data) {
        String wire = (event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n";
        return new StreamChunk(event, data, Buffer.buffer(wire));
    }

    static StreamChunk sse(String data) {
        return sse(null, data);
    }

    /** What an event says, without its slot (slots are checked by encoding). */
    static String show(AnswerEvent e) {
        if (e instanceof AnswerEvent.Start s) return "Start " + s.id() + " " + s.model();
        if (e instanceof AnswerEvent.Text t) {
            return "Text " + t.choice() + ":" + t.part() + " " + t.channel() + " " + t.form() + " '" + t.text() + "'";
        }
        if (e instanceof AnswerEvent.ToolCall c) {
            return "Tool " + c.choice() + ":" + c.index() + " " + c.form() + " id=" + c.id() + " name=" + c.name() + " args=" + c.arguments();
        }
        if (e instanceof AnswerEvent.Usage u) return "Usage " + u.usage() + (u.slot() == null ? "" : " @" + u.slot().field());
        if (e instanceof AnswerEvent.Finish f) return "Finish " + f.choice() + ":" + f.part() + " " + f.reason();
        if (e instanceof AnswerEvent.Failure f) return "Failure " + f.message();
        if (e instanceof AnswerEvent.End) return "End";
        return "Opaque";
    }

    static List<String> show(List<AnswerEvent> events) {
        List<String> out = new ArrayList<>(events.size());
        for (AnswerEvent e : events) out.add(show(e));
        return out;
    }

    /** The wire text of the stream events an encoder returned. */
    static String wire(List<StreamChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        for (StreamChunk c : chunks) sb.append(c.toWire().toString());
        return sb.toString();
    }

    // ---- chat completions stream --------------------------------------------------------------------

    static final String CHAT_ROLE = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{'role':'assistant','content':''},'finish_reason':null}],'usage':null}");
    static final String CHAT_TEXT = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{'content':'Hel'},'finish_reason':null}],'usage':null}");
    static final String CHAT_TOOL_START = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{'tool_calls':[{'index':0,'id':'call_1','type':'function','function':{'name':'get_weather','arguments':''}}]},"
            + "'finish_reason':null}],'usage':null}");
    static final String CHAT_TOOL_ARGS = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{'tool_calls':[{'index':0,'function':{'arguments':'{\\'city\\':'}}]},'finish_reason':null}],'usage':null}");
    static final String CHAT_FINISH = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{},'finish_reason':'tool_calls'}],'usage':null}");
    static final String CHAT_USAGE = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[],"
            + "'usage':{'prompt_tokens':5,'completion_tokens':3,'total_tokens':8}}");
    /** Some servers send the usage on the last content chunk. */
    static final String CHAT_TEXT_AND_USAGE = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{'content':'lo'},'finish_reason':'stop'}],'usage':{'prompt_tokens':5,'completion_tokens':3,'total_tokens':8}}");

    // ---- legacy completions stream ------------------------------------------------------------------

    static final String LEGACY_TEXT = q("{'id':'cmpl-1','object':'text_completion','created':7,'model':'gpt-3.5-turbo-instruct',"
            + "'choices':[{'text':'Hel','index':0,'logprobs':null,'finish_reason':null}]}");
    static final String LEGACY_FINISH = q("{'id':'cmpl-1','object':'text_completion','created':7,'model':'gpt-3.5-turbo-instruct',"
            + "'choices':[{'text':'','index':0,'logprobs':null,'finish_reason':'length'}]}");
    static final String LEGACY_USAGE = q("{'id':'cmpl-1','object':'text_completion','created':7,'model':'gpt-3.5-turbo-instruct',"
            + "'choices':[],'usage':{'prompt_tokens':2,'completion_tokens':4,'total_tokens':6}}");

    // ---- Responses API stream ------------------------------------------------------------------------

    static final String R_CREATED = q("{'type':'response.created','sequence_number':0,'response':{'id':'resp_1','object':'response',"
            + "'status':'in_progress','model':'gpt-4o','output':[],'usage':null}}");
    static final String R_MSG_ADDED = q("{'type':'response.output_item.added','sequence_number':1,'output_index':0,"
            + "'item':{'id':'msg_1','type':'message','status':'in_progress','role':'assistant','content':[]}}");
    static final String R_PART_ADDED = q("{'type':'response.content_part.added','sequence_number':2,'item_id':'msg_1','output_index':0,"
            + "'content_index':0,'part':{'type':'output_text','annotations':[],'text':''}}");
    static final String R_TEXT_DELTA = q("{'type':'response.output_text.delta','sequence_number':3,'item_id':'msg_1','output_index':0,"
            + "'content_index':0,'delta':'Hel'}");
    static final String R_TEXT_DONE = q("{'type':'response.output_text.done','sequence_number':4,'item_id':'msg_1','output_index':0,"
            + "'content_index':0,'text':'Hello'}");
    static final String R_FC_ADDED = q("{'type':'response.output_item.added','sequence_number':5,'output_index':1,"
            + "'item':{'id':'fc_1','type':'function_call','status':'in_progress','call_id':'call_1','name':'get_weather','arguments':''}}");
    static final String R_ARGS_DELTA = q("{'type':'response.function_call_arguments.delta','sequence_number':6,'item_id':'fc_1',"
            + "'output_index':1,'delta':'{\\'city\\':'}");
    static final String R_ARGS_DONE = q("{'type':'response.function_call_arguments.done','sequence_number':7,'item_id':'fc_1',"
            + "'output_index':1,'arguments':'{\\'city\\':\\'Paris\\'}'}");
    static final String R_COMPLETED = q("{'type':'response.completed','sequence_number':8,'response':{'id':'resp_1','object':'response',"
            + "'status':'completed','model':'gpt-4o','output':[{'id':'msg_1','type':'message','role':'assistant','content':"
            + "[{'type':'output_text','annotations':[],'text':'Hello'}]},{'id':'fc_1','type':'function_call','call_id':'call_1',"
            + "'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}],'usage':{'input_tokens':5,'output_tokens':3,'total_tokens':8}}}");

    static final String CHAT_ERROR = q("{'error':{'message':'The server had an error while processing your request.','type':'server_error',"
            + "'param':null,'code':null}}");
    /** The word in an answer is escaped JSON: never an error. */
    static final String CHAT_ERROR_WORD_IN_ARGS = q("{'id':'c1','object':'chat.completion.chunk','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'delta':{'tool_calls':[{'index':0,'function':{'arguments':'{\\'error\\':1}'}}]},'finish_reason':null}]}");
    static final String R_ERROR = q("{'type':'error','sequence_number':1,'code':'rate_limit_exceeded','message':'Rate limit reached for gpt-4o.',"
            + "'param':null}");
    static final String R_FAILED = q("{'type':'response.failed','sequence_number':1,'response':{'id':'resp_1','object':'response',"
            + "'status':'failed','model':'gpt-4o','output':[],'error':{'code':'server_error','message':'The model failed to generate a response.'},"
            + "'usage':null}}");

    // ---- whole answers -------------------------------------------------------------------------------

    static final String CHAT_WHOLE = q("{'id':'c1','object':'chat.completion','created':7,'model':'gpt-4o','choices':[{'index':0,"
            + "'message':{'role':'assistant','content':'Hello','tool_calls':[{'id':'call_1','type':'function','function':"
            + "{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}}]},'finish_reason':'tool_calls'}],"
            + "'usage':{'prompt_tokens':5,'completion_tokens':3,'total_tokens':8}}");
    static final String LEGACY_WHOLE = q("{'id':'cmpl-1','object':'text_completion','created':7,'model':'gpt-3.5-turbo-instruct',"
            + "'choices':[{'text':'Hello','index':0,'logprobs':null,'finish_reason':'stop'}],"
            + "'usage':{'prompt_tokens':2,'completion_tokens':4,'total_tokens':6}}");
    static final String RESPONSES_WHOLE = q("{'id':'resp_1','object':'response','status':'completed','model':'gpt-4o','output':["
            + "{'id':'rs_1','type':'reasoning','summary':[]},"
            + "{'id':'msg_1','type':'message','role':'assistant','content':[{'type':'output_text','annotations':[],'text':'Hello'}]},"
            + "{'id':'fc_1','type':'function_call','call_id':'call_1','name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}],"
            + "'usage':{'input_tokens':5,'output_tokens':3,'total_tokens':8}}");
}
