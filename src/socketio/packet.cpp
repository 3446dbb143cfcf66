#include "socketio/packet.hpp"

// Behaviour follows socket.io-parser (v4, protocol v5), Decoder.decodeString
// and Decoder.isPayloadValid. Where the reference accepts input only through a
// JavaScript coercion quirk, ferry is stricter and says so below; none of these
// inputs is produced by a reference client.
//
// JSON output: Boost.JSON and JSON.stringify agree on strings (same escapes,
// lowercase \u00XX, U+2028 and DEL left raw), integers and key order, so
// packets carrying strings, booleans, integers, arrays and objects re-encode
// byte for byte. They differ on doubles: Boost always writes an exponent
// ("1.5E0", "1E-1", "1E21") where Node writes "1.5", "0.1", "1e+21"; "-0.0"
// becomes "-0E0" (Node: "0"); integers beyond 2^53 stay exact in Boost but are
// rounded by Node. Both forms are valid JSON for the same double, so only
// byte-exact echo of non-integer numbers is lost. Plain "-0" parses as the
// integer 0 and is written "0", as Node does. Boost 1.81 also parses numbers
// in its fast mode only (number_precision::precise came in 1.83): a double
// with many significant digits can land one ULP from the correctly rounded
// value, so an echoed double may differ from the sent one in the last bit.

#include <boost/json/parse.hpp>
#include <boost/json/serializer.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace ferry::socketio {
namespace {

namespace json = boost::json;

/// UINT64_MAX has 20 digits; a longer id is garbage even with leading zeros.
constexpr std::size_t max_ack_id_digits = 20;

/// Header bytes beyond the namespace: type, count, '-', ',', id.
constexpr std::size_t max_fixed_header = 1 + 20 + 1 + 1 + max_ack_id_digits;

/// Serializer chunk size when the output string has no spare capacity.
constexpr std::size_t min_json_chunk = 128;

/// Event names socket.io-parser refuses to decode (RESERVED_EVENTS): they
/// would collide with the library's own events on the receiving side.
constexpr std::array<std::string_view, 6> reserved_events{
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Characters a valid payload can start with: every accepted payload is an
/// array, object or string, possibly after JSON whitespace.
bool starts_payload(char c) noexcept {
    return c == '[' || c == '{' || c == '"' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_binary(packet_type t) noexcept {
    return t == packet_type::binary_event || t == packet_type::binary_ack;
}

/// A cursor over the text part; each read_* step consumes one header field.
struct reader {
    std::string_view text;
    std::size_t pos = 0;

    bool at_end() const noexcept { return pos == text.size(); }
    char peek() const noexcept { return text[pos]; }

    std::string_view take_digits() noexcept {
        const std::size_t start = pos;
        while (!at_end() && is_digit(peek())) ++pos;
        return text.substr(start, pos - start);
    }
};

template <class Int>
bool parse_uint(std::string_view digits, Int& out) noexcept {
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc{} && end == digits.data() + digits.size();
}

// The reference reads Number(str.charAt(0)), so "" and " " decode as CONNECT;
// ferry wants a real digit.
result<packet_type> read_type(reader& in) {
    if (in.at_end() || in.peek() < '0' || in.peek() > '6') return error::sio_bad_type;
    return static_cast<packet_type>(in.text[in.pos++] - '0');
}

// "<count>-": 1..max_attachments, ASCII digits only (the reference's Number()
// also takes " 1" or "1e1").
result<std::size_t> read_attachment_count(reader& in) {
    const std::string_view digits = in.take_digits();
    std::size_t count = 0;
    if (digits.empty() || in.at_end() || in.peek() != '-' || !parse_uint(digits, count) ||
        count == 0 || count > max_attachments) {
        return error::sio_bad_attachments;
    }
    ++in.pos;
    return count;
}

// A namespace starts with '/' and runs to the next ',' (consumed) or to the
// end of the text, as in the reference; it can hold anything but a comma.
std::string read_namespace(reader& in) {
    if (in.at_end() || in.peek() != '/') return "/";
    const std::size_t comma = in.text.find(',', in.pos);
    const std::size_t end = comma == std::string_view::npos ? in.text.size() : comma;
    std::string nsp(in.text.substr(in.pos, end - in.pos));
    in.pos = comma == std::string_view::npos ? end : comma + 1;
    return nsp;
}

// The reference takes ' ' as an id digit too (Number(" ") == 0); ferry does not.
result<std::optional<std::uint64_t>> read_ack_id(reader& in) {
    const std::string_view digits = in.take_digits();
    if (digits.size() > max_ack_id_digits) return error::sio_bad_ack_id;
    if (digits.empty()) return std::optional<std::uint64_t>{};
    std::uint64_t id = 0;
    if (!parse_uint(digits, id)) return error::sio_bad_ack_id;
    return std::optional<std::uint64_t>{id};
}

bool is_event_name(const json::value& v) noexcept {
    if (v.is_number()) return true;
    if (!v.is_string()) return false;
    const std::string_view name = v.get_string();
    return std::find(reserved_events.begin(), reserved_events.end(), name) == reserved_events.end();
}

// Decoder.isPayloadValid, with one difference: the reference validates only a
// payload that is present, so it takes "2" or "3" (an event with no name, an
// ack with no arguments) although the protocol says their payload is
// mandatory. ferry requires it; an absent payload is null here.
bool is_payload_valid(packet_type type, const json::value& data, bool present) noexcept {
    switch (type) {
        case packet_type::connect: return !present || data.is_object();
        case packet_type::disconnect: return !present;
        case packet_type::connect_error: return data.is_string() || data.is_object();
        case packet_type::event:
        case packet_type::binary_event: {
            const json::array* args = data.if_array();
            return args != nullptr && !args->empty() && is_event_name(args->front());
        }
        case packet_type::ack:
        case packet_type::binary_ack: return data.is_array();
    }
    return false;
}

std::optional<std::uint64_t> placeholder_num(const json::object& o) noexcept {
    const json::value* num = o.if_contains("num");
    if (num == nullptr) return std::nullopt;
    if (const std::int64_t* i = num->if_int64(); i != nullptr && *i >= 0) {
        return static_cast<std::uint64_t>(*i);
    }
    if (const std::uint64_t* u = num->if_uint64(); u != nullptr) return *u;
    return std::nullopt;
}

bool is_placeholder_marked(const json::object& o) noexcept {
    const json::value* mark = o.if_contains("_placeholder");
    return mark != nullptr && mark->is_bool() && mark->get_bool();
}

// One walk over the payload (recursion bounded by the parser's max_depth,
// 32 by default) checking two things the packet's consumers rely on:
//  - every object marked `_placeholder: true` names an attachment this packet
//    carries. The reference checks this only for binary packets and only when
//    reconstructing; ferry keeps placeholders in place, so a text packet with
//    one would look like it has binary it does not have;
//  - every number is finite. Boost reads 1e400 as infinity and would write it
//    back as the invalid JSON "Infinity" (JSON.parse gives Infinity too, and
//    JSON.stringify then writes null).
bool are_values_valid(const json::value& v, std::size_t attachments) noexcept {
    switch (v.kind()) {
        case json::kind::double_: return std::isfinite(v.get_double());
        case json::kind::array:
            return std::all_of(v.get_array().begin(), v.get_array().end(),
                               [&](const json::value& e) { return are_values_valid(e, attachments); });
        case json::kind::object: {
            const json::object& o = v.get_object();
            if (is_placeholder_marked(o)) {
                const auto num = placeholder_num(o);
                return num.has_value() && *num < attachments;
            }
            return std::all_of(o.begin(), o.end(), [&](const json::key_value_pair& kv) {
                return are_values_valid(kv.value(), attachments);
            });
        }
        default: return true;
    }
}

// What follows the namespace is an ack id, a payload, or both. Text that is
// not JSON and cannot even start a valid payload sits where the id belongs,
// so it is reported as a bad ack id: the protocol test suite names
// '2abc[...]' so (the reference fails it only because "abc[...]" is not JSON).
error parse_failure(std::string_view text) noexcept {
    return starts_payload(text.front()) ? error::sio_bad_payload : error::sio_bad_ack_id;
}

result<json::value> read_payload(std::string_view text, packet_type type, std::size_t attachments) {
    json::value data;
    const bool present = !text.empty();
    if (present) {
        boost::system::error_code ec;
        data = json::parse(text, ec);
        if (ec) return parse_failure(text);
    }
    if (!is_payload_valid(type, data, present) || !are_values_valid(data, attachments)) {
        return error::sio_bad_payload;
    }
    return data;
}

void append_uint(std::string& out, std::uint64_t n) {
    std::array<char, 20> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
    out.append(digits.data(), end);
}

// Streams Boost.JSON's serializer straight into `out` (the same bytes as
// json::serialize, without the temporary string).
void append_json(std::string& out, const json::value& v) {
    json::serializer sr;
    sr.reset(&v);
    while (!sr.done()) {
        const std::size_t used = out.size();
        out.resize(std::max(out.capacity(), used + min_json_chunk));
        const json::string_view written = sr.read(out.data() + used, out.size() - used);
        out.resize(used + written.size());
    }
}

// The wire type follows the attachments: an event or ack with buffers is sent
// as its binary form, one without as the plain form (a binary type with no
// attachments would be "50-", which no decoder accepts).
packet_type wire_type(const packet& p) noexcept {
    const bool binary = !p.attachments.empty();
    switch (p.type) {
        case packet_type::event:
        case packet_type::binary_event: return binary ? packet_type::binary_event : packet_type::event;
        case packet_type::ack:
        case packet_type::binary_ack: return binary ? packet_type::binary_ack : packet_type::ack;
        default: return p.type;
    }
}

/// The type a reassembled packet reports, as Decoder.add does once the
/// attachments are in: consumers handle events and acks, not wire forms.
packet_type plain_type(packet_type t) noexcept {
    if (t == packet_type::binary_event) return packet_type::event;
    if (t == packet_type::binary_ack) return packet_type::ack;
    return t;
}

}  // namespace

result<packet> decode_text(std::string_view text, std::size_t& expected_attachments) {
    expected_attachments = 0;
    reader in{text};
    packet p;

    const auto type = read_type(in);
    if (!type) return type.error();
    p.type = *type;

    std::size_t attachments = 0;
    if (is_binary(p.type)) {
        const auto count = read_attachment_count(in);
        if (!count) return count.error();
        attachments = *count;
    }

    p.nsp = read_namespace(in);

    const auto id = read_ack_id(in);
    if (!id) return id.error();
    p.id = *id;

    auto data = read_payload(text.substr(in.pos), p.type, attachments);
    if (!data) return data.error();
    p.data = std::move(*data);

    expected_attachments = attachments;
    return p;
}

std::string encode_text(const packet& p) {
    const packet_type type = wire_type(p);
    const bool write_nsp = !p.nsp.empty() && p.nsp != "/";

    std::string out;
    out.reserve(max_fixed_header + p.nsp.size() + min_json_chunk);
    out.push_back(static_cast<char>('0' + static_cast<int>(type)));
    if (is_binary(type)) {
        append_uint(out, p.attachments.size());
        out.push_back('-');
    }
    if (write_nsp) {
        out.append(p.nsp);
        out.push_back(',');
    }
    if (p.id) append_uint(out, *p.id);
    if (!p.data.is_null()) append_json(out, p.data);
    return out;
}

bool is_placeholder(const boost::json::value& v) noexcept {
    const json::object* o = v.if_object();
    return o != nullptr && is_placeholder_marked(*o) && placeholder_num(*o).has_value();
}

result<std::optional<packet>> decoder::on_text(std::string_view text) {
    // The reference throws "got plaintext data when reconstructing a packet":
    // the announced attachments never came, so the count was a lie.
    if (pending_) {
        pending_.reset();
        expected_ = 0;
        return error::sio_bad_attachments;
    }
    std::size_t expected = 0;
    auto p = decode_text(text, expected);
    if (!p) return p.error();
    if (expected == 0) return std::optional<packet>{std::move(*p)};

    p->type = plain_type(p->type);
    p->attachments.reserve(expected);
    pending_ = std::move(*p);
    expected_ = expected;
    return std::optional<packet>{};
}

result<std::optional<packet>> decoder::on_binary(std::string_view bytes) {
    if (!pending_) return error::sio_unexpected_binary;
    pending_->attachments.emplace_back(bytes);
    if (pending_->attachments.size() < expected_) return std::optional<packet>{};

    std::optional<packet> done = std::exchange(pending_, std::nullopt);
    expected_ = 0;
    return done;
}

}  // namespace ferry::socketio
