package dev.tollgate.api;

/**
 * What the gateway knows about one OpenAI operation (method + path pattern): where its model is
 * named, and whether what it costs can be metered from its answer. Unknown operations get
 * {@link #UNKNOWN}: nothing is assumed about them.
 *
 * @param pattern      the path below /v1, with {@code {id}} for one path parameter
 * @param model        where the request names its model
 * @param modelPointer the JSON pointer (or form field, as "/name") of the model
 * @param body         how the body is read so the model can be judged
 * @param billing      whether the cost can be metered and bounded
 */
public record Route(String pattern, Model model, String modelPointer, Body body, Billing billing) {

    public enum Model {
        /** The operation runs a model named in the body: judged by it; missing is refused when rules apply. */
        REQUIRED,
        /** The body may name a model (an update); when it does, it is judged. */
        OPTIONAL,
        /** The operation runs a model the request does not show (a batch file, an assistant, a path). */
        UNJUDGEABLE,
        /** No model is run. */
        NONE
    }

    public enum Body {
        /** Read whole as a JSON object. */
        JSON,
        /** A multipart form: its text fields are read before the file. */
        FORM,
        /** JSON or a multipart form, by Content-Type. */
        JSON_OR_FORM,
        /** Not read: streamed through. */
        PASS
    }

    public enum Billing {
        /** Priced from the answer's usage; the reservation bounds it. */
        METERED,
        /** Costs nothing per call. */
        FREE,
        /** Starts work the gateway cannot meter or bound (asynchronous jobs, sessions billed elsewhere). */
        UNBOUNDED
    }

    /** An operation missing from the catalog. */
    public static final Route UNKNOWN = new Route("", Model.UNJUDGEABLE, null, Body.PASS, Billing.UNBOUNDED);
    /** Reads, listings and deletions: no model runs, nothing is billed. */
    public static final Route READ = new Route("", Model.NONE, null, Body.PASS, Billing.FREE);

    /** The model's field as named in an error's {@code param}: "model", "session.model". */
    public String modelParam() {
        return modelPointer == null ? "model" : modelPointer.substring(1).replace('/', '.');
    }
}
