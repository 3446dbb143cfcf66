#include "socketio/stored_event.hpp"

#include "socketio/event_data.hpp"

#include <boost/json/serialize.hpp>

namespace ferry::socketio {

namespace {

boost::json::array event_array(std::string_view name, const args& a) {
    boost::json::array data;
    data.reserve(a.values.size() + 1);
    data.emplace_back(name);
    for (const auto& v : a.values) data.push_back(v);
    return data;
}

}  // namespace

packet make_event_packet(std::string_view nsp, std::string_view name, const args& a,
                         std::optional<std::uint64_t> ack_id) {
    packet p;
    p.type = packet_type::event;
    p.nsp = std::string(nsp);
    p.id = ack_id;
    p.data = event_array(name, a);
    p.attachments = a.attachments;
    return p;
}

result<std::string> event_payload(std::string_view name, const args& a) {
    // Checked on the values, not on the text: Boost.JSON writes an infinity as
    // `Infinity`, which looks like JSON to nobody but JavaScript's eval.
    if (!is_valid_utf8(name) || !event_data_problem(a).empty()) {
        return make_error_code(error::not_json);
    }
    return boost::json::serialize(event_array(name, a));
}

std::string event_packet_text(std::string_view nsp, std::string_view payload, std::size_t attachments,
                              std::string_view offset) {
    std::string out;
    out.reserve(payload.size() + nsp.size() + offset.size() + 24);
    if (attachments > 0) {
        out += '5';
        out += std::to_string(attachments);
        out += '-';
    } else {
        out += '2';
    }
    if (nsp != "/") {
        out += nsp;
        out += ',';
    }
    // payload is "[name,...]": splice the offset in before the closing bracket.
    // Offsets are made of [A-Za-z0-9_-], so they need no JSON escaping.
    if (offset.empty()) {
        out.append(payload);  // not in the log: nothing to append
        return out;
    }
    out.append(payload.substr(0, payload.size() - 1));
    out += ",\"";
    out += offset;
    out += "\"]";
    return out;
}

std::vector<engineio::wire_ptr> message_wire(std::string_view text, const std::vector<std::string>& attachments) {
    std::vector<engineio::wire_ptr> out;
    out.reserve(1 + attachments.size());
    out.push_back(engineio::wire_packet::text(engineio::packet_type::message, text));
    for (const auto& a : attachments) out.push_back(engineio::wire_packet::binary(a));
    return out;
}

std::vector<engineio::wire_ptr> stored_event_wire(std::string_view nsp, std::string_view payload,
                                                  const std::vector<std::string>& attachments,
                                                  std::string_view offset) {
    return message_wire(event_packet_text(nsp, payload, attachments.size(), offset), attachments);
}

}  // namespace ferry::socketio
