#include "engineio/http_connection.hpp"

#include "engineio/engine.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/serializer.hpp>

#include <algorithm>

namespace ferry::engineio {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {
std::string serialize(http_response& response) {
    std::string out;
    http::response_serializer<http::string_body> serializer{response};
    error_code ec;
    while (!ec && !serializer.is_done()) {
        serializer.next(ec, [&](error_code&, const auto& buffers) {
            std::size_t size = 0;
            for (const auto b : boost::beast::buffers_range_ref(buffers)) {
                out.append(static_cast<const char*>(b.data()), b.size());
                size += b.size();
            }
            serializer.consume(size);
        });
    }
    return out;
}

constexpr std::uint32_t header_limit = 16 * 1024;
// Reads start at 512 bytes and double while they come back full: a parked
// poll holds a small buffer, a pipelining publisher or a large body soon
// reads in large steps.
constexpr std::size_t min_read_chunk = 512;
constexpr std::size_t max_read_chunk = 64 * 1024;
}

http_connection::http_connection(asio::ip::tcp::socket socket, engine& owner,
                                 boost::beast::flat_buffer buffer)
    : socket_(std::move(socket)), engine_(&owner), buffer_(std::move(buffer)) {
    error_code ec;
    // Non-blocking so that an abort check can peek without waiting.
    socket_.non_blocking(true, ec);
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    const auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
}

http_connection::~http_connection() = default;

void http_connection::start() { read_next(); }

void http_connection::resume(http_request request) { handle(std::move(request)); }

void http_connection::read_next() {
    if (closed_) return;
    // A response written inline asks for the next request from inside the
    // handling of the previous one: the loop below takes it, so pipelined
    // requests are handled one after another without nesting.
    if (parsing_) {
        again_ = true;
        return;
    }
    parsing_ = true;
    do {
        again_ = false;
        parser_.emplace();
        parser_->header_limit(header_limit);
        // The body limit depends on the path (Engine.IO's max_payload, or the
        // application's max_http_body), so it is set once the header is read.
        parser_->body_limit(boost::none);
        header_checked_ = false;
        parse_buffered();
    } while (again_ && !closed_);
    parsing_ = false;
}

// The parser is fed from the connection's buffer by hand rather than through
// http::async_read: a request that is already buffered (pipelined behind the
// previous one) is handled in this turn, not after a posted completion per
// read step. A publisher's pipelined requests then reach the fan-out together.
void http_connection::parse_buffered() {
    while (!parser_->is_done()) {
        if (buffer_.size() == 0) return read_more();
        error_code ec;
        const std::size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) {
            if (used == 0) return read_more();  // the header is not whole yet
            continue;
        }
        if (ec) return on_read(ec);
        if (parser_->is_header_done() && !header_checked_) {
            header_checked_ = true;
            if (!check_header()) return;
        }
    }
    on_read({});
}

void http_connection::read_more() {
    const std::size_t want = std::max<std::size_t>(read_chunk_, boost::beast::read_size(buffer_, min_read_chunk));
    socket_.async_read_some(buffer_.prepare(want), [self = shared_from_this(), want](error_code ec, std::size_t n) {
        if (self->closed_) return;
        self->buffer_.commit(n);
        if (n == want) self->read_chunk_ = static_cast<std::uint32_t>(std::min(want * 2, max_read_chunk));
        if (ec == asio::error::eof) {
            // A clean end between requests; a request cut short is malformed.
            return self->on_read(self->parser_->got_some() ? http::error::partial_message : http::error::end_of_stream);
        }
        if (ec) return self->on_read(ec);
        self->parse_buffered();
    });
}

bool http_connection::check_header() {
    const std::uint64_t limit = engine_->body_limit_for(parser_->get().target());
    if (const auto length = parser_->content_length(); length && *length > limit) {
        on_read(http::error::body_limit);
        return false;
    }
    parser_->body_limit(limit);
    if (!parser_->is_done() && buffer_.size() == 0 &&
        boost::beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
        // curl sends large bodies only after this (or after waiting a second); RFC 9110 section 10.1.1.
        static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
        asio::async_write(socket_, asio::buffer(go_on.data(), go_on.size()),
                          [self = shared_from_this()](error_code write_ec, std::size_t) {
                              if (write_ec) return self->close();
                              self->parse_buffered();
                          });
        return false;
    }
    return true;
}

void http_connection::on_read(error_code ec) {
    if (closed_) return;
    if (ec == http::error::body_limit) {
        // Too large a POST: answered, then the connection is dropped because the
        // rest of the body is still on the wire.
        keep_alive_ = false;
        return respond(engine_->body_too_large(parser_->get().target()));
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
        return close();
    }
    if (ec) {
        keep_alive_ = false;
        http_response res{http::status::bad_request, 11};
        res.set(http::field::content_type, "text/plain");
        res.body() = "Bad Request";
        return respond(std::move(res));
    }
    http_request request = parser_->release();
    parser_.reset();
    handle(std::move(request));
}

void http_connection::handle(http_request request) {
    keep_alive_ = request.keep_alive();
    engine_->dispatch(shared_from_this(), std::move(request));
}

void http_connection::respond(http_response response) {
    if (closed_) return;
    if (parked_) {
        parked_ = false;
        on_abort_ = nullptr;
        error_code ignored;
        socket_.cancel(ignored);  // ends the abort watch
    }
    response.keep_alive(keep_alive_);
    response.prepare_payload();
    std::string text = serialize(response);
    // Most answers are small and the kernel takes them whole: written here,
    // the next pipelined request is handled in this same turn (read_next).
    error_code ec;
    const std::size_t written = socket_.write_some(asio::buffer(text), ec);
    if (!ec && written == text.size()) return after_response();
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return close();
    // The rest waits for room, owned by the completion.
    auto rest = std::make_shared<std::string>(std::move(text));
    rest->erase(0, ec ? 0 : written);
    asio::async_write(socket_, asio::buffer(*rest),
                      [self = shared_from_this(), rest](error_code write_ec, std::size_t) {
                          if (write_ec) return self->close();
                          self->after_response();
                      });
}

void http_connection::after_response() {
    if (!keep_alive_) return close();
    read_next();
}

void http_connection::park(std::function<void()> on_abort) {
    parked_ = true;
    on_abort_ = std::move(on_abort);
    watch_for_abort();
}

void http_connection::watch_for_abort() {
    socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
        if (ec || !self->parked_ || self->closed_) return;
        char c = 0;
        error_code peek_ec;
        const std::size_t n =
            self->socket_.receive(asio::buffer(&c, 1), asio::socket_base::message_peek, peek_ec);
        if (peek_ec == asio::error::would_block || peek_ec == asio::error::try_again) {
            return self->watch_for_abort();
        }
        if (n == 0 || peek_ec) {
            // The client went away while its poll was parked.
            self->parked_ = false;
            auto on_abort = std::move(self->on_abort_);
            self->close();
            if (on_abort) on_abort();
        }
        // Otherwise the client pipelined another request; it is read after the response.
    });
}

void http_connection::migrate_to(engine& target, http_request request) {
    error_code ec;
    const auto protocol = socket_.local_endpoint(ec).protocol();
    if (ec) return close();
    const auto fd = socket_.release(ec);
    if (ec) return close();
    closed_ = true;
    asio::post(target.context(), [fd, protocol, &target, buffer = std::move(buffer_),
                                  request = std::move(request)]() mutable {
        error_code assign_ec;
        asio::ip::tcp::socket socket(target.context());
        socket.assign(protocol, fd, assign_ec);
        if (assign_ec) return;
        auto connection = std::make_shared<http_connection>(std::move(socket), target, std::move(buffer));
        connection->resume(std::move(request));
    });
}

void http_connection::hand_over_upgrade(http_request request) {
    closed_ = true;
    engine_->upgrade(std::move(socket_), std::move(buffer_), std::move(request), remote_address_);
}

boost::asio::ip::tcp::socket http_connection::take_socket(std::string& leftover) {
    closed_ = true;
    const auto pending = buffer_.data();
    leftover.assign(static_cast<const char*>(pending.data()), pending.size());
    return std::move(socket_);
}

void http_connection::close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

}  // namespace ferry::engineio
