#include <ferry/error.hpp>

#include <string>

namespace ferry {
namespace {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ferry"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::bad_packet: return "malformed Engine.IO packet";
            case error::bad_payload: return "malformed long-polling payload";
            case error::payload_too_large: return "payload exceeds maxPayload";
            case error::ws_bad_frame: return "malformed WebSocket frame";
            case error::ws_bad_opcode: return "reserved WebSocket opcode";
            case error::ws_unmasked_frame: return "client WebSocket frame is not masked";
            case error::ws_bad_control_frame: return "invalid WebSocket control frame";
            case error::ws_bad_continuation: return "unexpected WebSocket continuation frame";
            case error::ws_bad_utf8: return "WebSocket text message is not valid UTF-8";
            case error::ws_bad_close_code: return "invalid WebSocket close code";
            case error::ws_message_too_big: return "WebSocket message too big";
            case error::sio_bad_type: return "unknown Socket.IO packet type";
            case error::sio_bad_namespace: return "malformed Socket.IO namespace";
            case error::sio_bad_ack_id: return "malformed Socket.IO ack id";
            case error::sio_bad_attachments: return "malformed Socket.IO attachment count";
            case error::sio_bad_payload: return "invalid Socket.IO payload";
            case error::sio_unexpected_binary: return "unexpected binary attachment";
            case error::session_unknown: return "Session ID unknown";
            case error::timeout: return "operation has timed out";
            case error::socket_disconnected: return "socket has been disconnected";
            case error::store_unavailable: return "event store unavailable";
            case error::not_json: return "event data cannot be sent as JSON";
        }
        return "unknown ferry error";
    }

    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        switch (static_cast<error>(ev)) {
            case error::session_unknown: return condition::session_unknown;
            case error::store_unavailable: return condition::store_unavailable;
            case error::timeout:
            case error::socket_disconnected:
            case error::not_json: return {ev, *this};
            default: return condition::protocol_violation;
        }
    }
};

class condition_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "ferry.condition"; }
    std::string message(int ev) const override {
        switch (static_cast<condition>(ev)) {
            case condition::protocol_violation: return "protocol violation";
            case condition::session_unknown: return "unknown session";
            case condition::store_unavailable: return "event store unavailable";
        }
        return "unknown ferry condition";
    }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

const boost::system::error_category& condition_category() noexcept {
    static const condition_category_impl instance;
    return instance;
}

}  // namespace ferry
