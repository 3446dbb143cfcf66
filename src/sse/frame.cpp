#include "sse/frame.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace ferry::sse {
namespace json = boost::json;

void append_field(std::string& out, std::string_view field, std::string_view value) {
    // WHATWG: a line ends at CRLF, a lone LF or a lone CR.
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = value.find_first_of("\r\n", start);
        out.append(field);
        out.append(": ");
        out.append(value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        out.push_back('\n');
        if (end == std::string_view::npos) return;
        start = end + 1;
        if (value[end] == '\r' && start < value.size() && value[start] == '\n') ++start;
    }
}

std::string single_line(std::string_view value) {
    std::string out(value);
    for (char& c : out) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    return out;
}

std::string event_frame(std::string_view id, std::string_view name, std::string_view data) {
    std::string out;
    out.reserve(id.size() + name.size() + data.size() + 24);
    if (!id.empty()) append_field(out, "id", single_line(id));
    if (!name.empty()) append_field(out, "event", single_line(name));
    append_field(out, "data", data);
    out.push_back('\n');
    return out;
}

result<event_parts> split_payload(std::string_view payload) {
    boost::system::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec) return make_error_code(error::sio_bad_payload);
    auto* a = v.if_array();
    if (!a || a->empty() || !a->front().is_string()) return make_error_code(error::sio_bad_payload);
    event_parts parts;
    parts.name = std::string(a->front().get_string());
    if (a->size() == 1) {
        parts.data = "null";
    } else if (a->size() == 2) {
        parts.data = json::serialize((*a)[1]);
    } else {
        json::array rest(a->begin() + 1, a->end());
        parts.data = json::serialize(rest);
    }
    return parts;
}

std::string payload_frame(std::string_view payload, std::string_view offset) {
    auto parts = split_payload(payload);
    if (!parts) return {};
    return event_frame(offset, parts->name, parts->data);
}

std::string retry_frame(std::chrono::milliseconds retry) {
    return "retry: " + std::to_string(retry.count()) + "\n\n";
}

std::string_view heartbeat_frame() noexcept { return ":\n\n"; }

std::string session_frame(std::string_view session_id, std::string_view cursor) {
    json::object data{{"id", session_id}};
    return event_frame(cursor, "session", json::serialize(data));
}

std::string gap_frame(const std::vector<std::string>& rooms, std::string_view oldest) {
    json::array names;
    for (const auto& r : rooms) names.emplace_back(r);
    json::object data;
    data["rooms"] = std::move(names);
    data["oldest"] = oldest.empty() ? json::value(nullptr) : json::value(oldest);
    return event_frame({}, "gap", json::serialize(data));
}

}  // namespace ferry::sse
