#pragma once
// The text of a Server-Sent Events stream (WHATWG HTML, "Server-sent events",
// 9.2.5 "Parsing an event stream"): fields, events, comments. Pure functions
// over strings; no I/O.
//
// An event is written as
//     id: <offset>          (omitted when the event is not in the log)
//     event: <name>
//     data: <JSON of the argument(s)>   (one line per line of the JSON)
//     <blank line>
// The data is what an EventSource handler gets as `event.data`: the single
// argument's JSON, `null` for none, a JSON array for several. Binary
// attachments cannot travel in a text stream: their Socket.IO placeholders
// ({"_placeholder":true,"num":n}) are written as they are.

#include <ferry/error.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::sse {

/// Appends `field: value` lines to `out`, one per line of `value`: the stream
/// has no escaping, so a value holding CR, LF or CRLF is split there (the
/// parser joins several `data` lines back with LF). An empty value writes one
/// empty field.
void append_field(std::string& out, std::string_view field, std::string_view value);

/// A field name or single-line value with CR and LF replaced by spaces: for
/// `event` and `id`, which cannot span lines (a newline there would inject
/// fields into the stream).
std::string single_line(std::string_view value);

/// One complete event, blank line included. `id` empty: no id field (the
/// client keeps its previous last event id). `name` empty: no event field
/// (the client's `message` handler gets it).
std::string event_frame(std::string_view id, std::string_view name, std::string_view data);

/// The name and the data of a Socket.IO event payload.
struct event_parts {
    std::string name;
    std::string data;  ///< JSON text: the one argument, null, or an array of several
};

/// Splits the JSON text of [name, ...args] (how the log and broadcasts keep an
/// event) into the event name and the `data` JSON. Fails on anything else.
result<event_parts> split_payload(std::string_view payload);

/// The frame of a stored or broadcast event; empty when the payload is not an
/// event (nothing is written then).
std::string payload_frame(std::string_view payload, std::string_view offset);

/// `retry: <ms>`: how long the client waits before it reconnects.
std::string retry_frame(std::chrono::milliseconds retry);

/// A comment line and a blank line: keeps proxies and the client's idle
/// timers from closing a quiet stream; ignored by EventSource.
std::string_view heartbeat_frame() noexcept;

/// `event: session` with `data: {"id":"<id>"}`; with an id field when
/// `cursor` is not empty, so that a client cut before any event resumes
/// from where the stream started.
std::string session_frame(std::string_view session_id, std::string_view cursor);

/// `event: gap` with `data: {"rooms":[...],"oldest":"<offset>"|null}`: events
/// after the client's cursor are gone from the log; what follows is what is kept.
std::string gap_frame(const std::vector<std::string>& rooms, std::string_view oldest);

}  // namespace ferry::sse
