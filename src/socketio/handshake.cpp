#include <ferry/handshake.hpp>

#include <boost/url/parse.hpp>

namespace ferry {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Header names compare in any case (RFC 9110 5.1), on both sides: a block
// built by hand need not be lower-case.
bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// Calls fn(name, value) for each "name: value\r\n" line until it returns true.
template <class Fn>
void for_each_header(std::string_view block, Fn&& fn) {
    while (!block.empty()) {
        const std::size_t eol = block.find("\r\n");
        const std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        if (fn(line.substr(0, colon), value)) return;
    }
}

}  // namespace

request_head::request_head(std::string_view target, std::string_view headers) : target_size_(target.size()) {
    text_.reserve(target.size() + headers.size());
    text_.append(target);
    text_.append(headers);
}

std::optional<std::string_view> request_head::header(std::string_view name) const {
    std::optional<std::string_view> found;
    for_each_header(std::string_view(text_).substr(target_size_), [&](std::string_view n, std::string_view v) {
        if (!same_name(name, n)) return false;
        found = v;
        return true;
    });
    return found;
}

std::vector<std::pair<std::string_view, std::string_view>> request_head::headers() const {
    std::vector<std::pair<std::string_view, std::string_view>> out;
    for_each_header(std::string_view(text_).substr(target_size_), [&](std::string_view n, std::string_view v) {
        out.emplace_back(n, v);
        return false;
    });
    return out;
}

std::optional<std::string> request_head::query(std::string_view name) const {
    auto url = boost::urls::parse_origin_form(target());
    if (!url) return std::nullopt;
    // Compared decoded, as query_params() lists them ("a+b" is "a b").
    for (auto param : url->params()) {
        if (param.key == name) return std::string(param.value);
    }
    return std::nullopt;
}

std::unordered_map<std::string, std::string> request_head::query_params() const {
    std::unordered_map<std::string, std::string> out;
    if (auto url = boost::urls::parse_origin_form(target())) {
        for (auto param : url->params()) out.emplace(param.key, param.value);
    }
    return out;
}

}  // namespace ferry
