#pragma once
// A WebSocket connection after the HTTP upgrade: reads frames with ws_reader,
// answers pings, and writes batches of shared, pre-encoded frames with one
// gathered write (writev) per batch.
//
// Reads wait for readability and then drain the socket into one buffer per
// thread, so an idle connection holds no read buffer at all (the uWebSockets
// way); only a partial frame is kept, inside the ws_reader.
//
// With permessage-deflate negotiated (RFC 7692), packets of at least the
// threshold size are written in their shared compressed form
// (wire_packet::deflated_ws_frame), and compressed client messages are
// inflated by the reader; the connection itself keeps no zlib state.
//
// It knows nothing of Engine.IO beyond handing complete messages to the
// session it is attached to; the session decides what they mean.
//
// Lives on: its worker's io_context. Not thread-safe.

#include "engineio/wire.hpp"
#include "engineio/ws_codec.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::engineio {

class session;

class ws_connection : public std::enable_shared_from_this<ws_connection> {
public:
    /// @param initial bytes the HTTP parser read past the upgrade request
    /// @param preamble bytes to write before any frame (the 101 response)
    /// @param deflate_threshold set when permessage-deflate was negotiated:
    /// packets whose payload has at least this many bytes are sent compressed
    ws_connection(boost::asio::ip::tcp::socket socket, std::size_t max_message,
                  std::string initial, std::string preamble,
                  std::optional<std::size_t> deflate_threshold = std::nullopt);
    ~ws_connection();

    /// Starts reading; writes the preamble.
    void start();

    /// Routes messages to `s` (null: messages are dropped until attached).
    void attach(session* s) noexcept { session_ = s; }
    void detach() noexcept { session_ = nullptr; }

    /// Writes packets in order, taking them out of `packets` (which is left
    /// empty, with spare capacity: queues are recycled, not reallocated, per
    /// write). Only one batch is in flight; the session is told through
    /// on_ws_written when the next batch may be handed over.
    void write(std::vector<wire_ptr>& packets);
    bool writing() const noexcept { return writing_; }

    /// Writes a close frame after pending writes, then shuts the socket down.
    void close(std::uint16_t code = 1000, std::string_view reason = {});
    /// Closes the socket at once (no close frame).
    void abort();

private:
    void read_some();
    void on_readable(boost::system::error_code ec);
    /// Hands buffered messages to the session, at most a turn's worth; true
    /// when some are left.
    bool process();
    void process_then_read();
    void write_control(ws_opcode opcode, std::string_view payload);
    void start_write();
    void gather();
    void written_all();
    void on_write(boost::system::error_code ec);
    std::string_view frame_of(const wire_packet& p) const;
    void finish(std::string_view reason);

    boost::asio::ip::tcp::socket socket_;
    ws_reader reader_;
    std::optional<std::size_t> deflate_threshold_;
    session* session_ = nullptr;

    std::string preamble_;
    std::string control_out_;             // pongs and the close frame, written before data
    std::vector<wire_ptr> pending_;       // handed over, not yet in flight
    std::vector<wire_ptr> in_flight_;     // being written
    std::string control_in_flight_;
    std::vector<boost::asio::const_buffer> buffers_;  // the gather list of the write in flight
    bool writing_ = false;
    bool close_after_write_ = false;
    bool close_sent_ = false;
    bool finished_ = false;
};

}  // namespace ferry::engineio
