#pragma once
/// @file
/// ferry's one error vocabulary: an `error` enum with its category, and a few
/// conditions callers can test without knowing every code (the Beast
/// websocket/error.hpp pattern).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace ferry {

/// Errors produced by ferry's codecs and sessions.
enum class error {
    // Engine.IO (engine.io-protocol v4)
    bad_packet = 1,         ///< an Engine.IO packet could not be decoded
    bad_payload,            ///< a long-polling payload could not be decoded
    payload_too_large,      ///< a packet or payload exceeded maxPayload
    // WebSocket (RFC 6455)
    ws_bad_frame,           ///< a frame violates RFC 6455 framing rules
    ws_bad_opcode,          ///< reserved or unknown opcode
    ws_unmasked_frame,      ///< a client frame without a mask (RFC 6455 5.1)
    ws_bad_control_frame,   ///< control frame fragmented or longer than 125 bytes
    ws_bad_continuation,    ///< continuation without a start, or a start inside a message
    ws_bad_utf8,            ///< text message that is not valid UTF-8
    ws_bad_close_code,      ///< close frame with a reserved or invalid code
    ws_message_too_big,     ///< message longer than the configured limit
    // Socket.IO (socket.io-protocol v5)
    sio_bad_type,           ///< unknown Socket.IO packet type
    sio_bad_namespace,      ///< malformed namespace
    sio_bad_ack_id,         ///< malformed ack id
    sio_bad_attachments,    ///< malformed attachment count
    sio_bad_payload,        ///< payload is not valid JSON of the right shape for the type
    sio_unexpected_binary,  ///< a binary attachment arrived when none was expected
    // Sessions
    session_unknown,        ///< no session with that id
    timeout,                ///< an operation did not complete in time
    socket_disconnected,    ///< the socket disconnected before the operation completed
    // Event log
    store_unavailable,      ///< the event store cannot append or read (disk full, I/O error)
    // Events
    not_json,               ///< event data JSON text cannot carry (a non-finite number, a string not UTF-8)
};

/// Broad classes of errors, for callers that only need to know the kind.
enum class condition {
    protocol_violation = 1,  ///< the peer broke a protocol rule; close that connection
    session_unknown,         ///< the session named by the peer does not exist
    store_unavailable,       ///< the event log cannot serve
};

/// The category of ferry::error.
const boost::system::error_category& error_category() noexcept;
/// The category of ferry::condition.
const boost::system::error_category& condition_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}
inline boost::system::error_condition make_error_condition(condition c) noexcept {
    return {static_cast<int>(c), condition_category()};
}

/// A value or an error, as returned by every codec.
template <class T>
using result = boost::system::result<T>;

}  // namespace ferry

template <>
struct boost::system::is_error_code_enum<ferry::error> : std::true_type {};
template <>
struct boost::system::is_error_condition_enum<ferry::condition> : std::true_type {};
