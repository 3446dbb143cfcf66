#pragma once
// Turning events into log records and log records back into Socket.IO
// packets, with the offset appended as the last argument (the connection
// state recovery convention of socket.io-client 4.x: the client remembers the
// last string argument of each event as its position).
//
// Pure functions over strings; no I/O.

#include "engineio/wire.hpp"
#include "socketio/packet.hpp"

#include <ferry/args.hpp>
#include <ferry/event_store.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::socketio {

/// An EVENT packet [name, ...values] for namespace `nsp` (with an ack id when given).
packet make_event_packet(std::string_view nsp, std::string_view name, const args& a,
                         std::optional<std::uint64_t> ack_id = std::nullopt);

/// The JSON text of [name, ...values]: the payload stored in the log, or
/// error::not_json when some value cannot be sent as JSON text
/// (socketio/event_data.hpp). Every event reaches the log through here, so
/// the log only ever holds what every client can parse.
result<std::string> event_payload(std::string_view name, const args& a);

/// The Socket.IO text of an EVENT carrying `payload` (a JSON array text, as
/// event_payload makes it) with `offset` appended as its last argument (none
/// when `offset` is empty: an event that is not in the log).
std::string event_packet_text(std::string_view nsp, std::string_view payload, std::size_t attachments,
                              std::string_view offset);

/// The Engine.IO packets of one Socket.IO packet: its text, then its binary attachments.
std::vector<engineio::wire_ptr> message_wire(std::string_view text, const std::vector<std::string>& attachments);

/// The Engine.IO packets of a stored event: the text packet, then its attachments.
std::vector<engineio::wire_ptr> stored_event_wire(std::string_view nsp, std::string_view payload,
                                                  const std::vector<std::string>& attachments,
                                                  std::string_view offset);

}  // namespace ferry::socketio
