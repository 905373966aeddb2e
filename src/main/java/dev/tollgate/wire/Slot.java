package dev.tollgate.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where a decoded value sits in its frame's JSON: the object holding it and the field's name. */
public record Slot(Frame frame, ObjectNode holder, String field) {}
