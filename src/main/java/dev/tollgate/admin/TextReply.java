package dev.tollgate.admin;

/** An admin answer that is not JSON (a CSV export): its media type, the file name it is saved under, and its text. */
record TextReply(String contentType, String fileName, String body) {}
