#pragma once
// One accepted TCP connection speaking HTTP/1.1, pinned to one worker.
//
// It reads requests one at a time and routes them: Engine.IO requests go to
// the engine of the worker that owns the session (the connection migrates to
// that worker first, see engine::dispatch), WebSocket upgrades leave HTTP for
// ws_connection, anything else goes to the application's http handler.
//
// A long-polling GET may be "parked": the response is produced later, when
// the session has data. While parked, the connection watches the socket so a
// client that aborts the request is noticed (the session must then close,
// as the reference server does).
//
// Lives on: its worker's io_context. Not thread-safe.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace ferry::engineio {

class engine;

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

class http_connection : public std::enable_shared_from_this<http_connection> {
public:
    http_connection(boost::asio::ip::tcp::socket socket, engine& owner,
                    boost::beast::flat_buffer buffer = {});
    ~http_connection();

    /// Starts reading requests.
    void start();
    /// Handles a request that was already read (after a migration), then keeps reading.
    void resume(http_request request);

    /// Sends the response to the current request, then reads the next one
    /// (or closes, if either side asked to).
    void respond(http_response response);

    /// Parks the current request: no response yet. `on_abort` runs if the
    /// client goes away before respond() is called.
    void park(std::function<void()> on_abort);

    /// Moves this connection, with the request it just read, to the worker of
    /// `target`: the socket is released here and re-opened on the target's
    /// io_context, where the request is handled. This object is finished after.
    void migrate_to(engine& target, http_request request);

    /// Hands the socket to the engine as a WebSocket (the request asked to upgrade).
    void hand_over_upgrade(http_request request);

    /// Takes the socket out of HTTP for a long-lived stream (Server-Sent
    /// Events): the caller writes the response itself. Bytes already read past
    /// the request are returned with it. This object is finished after.
    boost::asio::ip::tcp::socket take_socket(std::string& leftover);

    /// The remote address, as text.
    const std::string& remote_address() const noexcept { return remote_address_; }

    engine& owner() noexcept { return *engine_; }

private:
    void read_next();
    void parse_buffered();
    void read_more();
    void after_response();
    bool check_header();
    void on_read(boost::system::error_code ec);
    void handle(http_request request);
    void watch_for_abort();
    void close();

    boost::asio::ip::tcp::socket socket_;
    engine* engine_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::function<void()> on_abort_;
    std::string remote_address_;
    bool keep_alive_ = true;
    bool header_checked_ = false;
    bool parsing_ = false;  // read_next's loop is running
    bool again_ = false;    // a response was written inline: take the next request
    std::uint32_t read_chunk_ = 512;  // grows while reads come back full
    bool parked_ = false;
    bool closed_ = false;
};

}  // namespace ferry::engineio
