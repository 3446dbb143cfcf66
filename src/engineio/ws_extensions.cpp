// The Sec-WebSocket-Extensions grammar (RFC 6455 9.1, with the token and
// quoted-string rules of RFC 9110 5.6.2 and 5.6.4): a small recursive-descent
// parser over the header value.

#include "engineio/ws_extensions.hpp"

namespace ferry::engineio {
namespace {

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" /
// "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
bool is_tchar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
        case '-': case '.': case '^': case '_': case '`': case '|': case '~':
            return true;
        default:
            return false;
    }
}

// RFC 9110 5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text,
// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
bool is_qdtext(unsigned char c) noexcept {
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}
bool is_quotable(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7F); }

class parser {
public:
    explicit parser(std::string_view text) : text_(text) {}

    std::optional<std::vector<ws_extension>> parse_list() {
        std::vector<ws_extension> out;
        for (;;) {
            skip_ows();
            if (at_end()) return out;
            if (peek() == ',') {  // an empty list element
                ++pos_;
                continue;
            }
            ws_extension extension;
            if (!parse_token(extension.name)) return std::nullopt;
            for (;;) {
                skip_ows();
                if (at_end() || peek() == ',') break;
                if (peek() != ';') return std::nullopt;
                ++pos_;
                skip_ows();
                ws_extension_param param;
                if (!parse_token(param.name)) return std::nullopt;
                skip_ows();
                if (!at_end() && peek() == '=') {
                    ++pos_;
                    skip_ows();
                    std::string value;
                    const bool quoted = !at_end() && peek() == '"';
                    if (!(quoted ? parse_quoted(value) : parse_token(value))) return std::nullopt;
                    param.value = std::move(value);
                }
                extension.params.push_back(std::move(param));
            }
            out.push_back(std::move(extension));
            if (!at_end()) ++pos_;  // the ','
        }
    }

private:
    bool at_end() const noexcept { return pos_ == text_.size(); }
    char peek() const noexcept { return text_[pos_]; }
    void skip_ows() noexcept {
        while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
    }

    bool parse_token(std::string& out) {
        const std::size_t start = pos_;
        while (!at_end() && is_tchar(peek())) ++pos_;
        if (pos_ == start) return false;
        out.assign(text_.substr(start, pos_ - start));
        return true;
    }

    bool parse_quoted(std::string& out) {
        ++pos_;  // the opening quote
        while (!at_end()) {
            const auto c = static_cast<unsigned char>(peek());
            ++pos_;
            if (c == '"') return true;
            if (c == '\\') {
                if (at_end() || !is_quotable(static_cast<unsigned char>(peek()))) return false;
                out.push_back(peek());
                ++pos_;
            } else if (is_qdtext(c)) {
                out.push_back(static_cast<char>(c));
            } else {
                return false;
            }
        }
        return false;  // unterminated
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::vector<ws_extension>> parse_ws_extensions(std::string_view header) {
    return parser(header).parse_list();
}

}  // namespace ferry::engineio
