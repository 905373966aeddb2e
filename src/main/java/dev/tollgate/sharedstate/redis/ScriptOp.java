package dev.tollgate.sharedstate.redis;

import java.util.ArrayList;
import java.util.List;

/** One operation of the counters script: its name, the keys it touches and its arguments. */
record ScriptOp(String name, List<String> keys, List<String> args) {

    static ScriptOp of(String name) {
        return new ScriptOp(name, new ArrayList<>(32), new ArrayList<>(24));
    }

    ScriptOp arg(String a) {
        args.add(a);
        return this;
    }

    ScriptOp arg(long a) {
        args.add(Long.toString(a));
        return this;
    }

    ScriptOp key(String k) {
        keys.add(k);
        return this;
    }

    /** Appends arguments and keys made once for a subject or a budget (see RedisCounters' parts). */
    ScriptOp part(List<String> moreArgs, List<String> moreKeys) {
        args.addAll(moreArgs);
        keys.addAll(moreKeys);
        return this;
    }
}
