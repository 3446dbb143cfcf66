#pragma once
// One Server-Sent Events stream: a member of the room index of its worker,
// like a Socket.IO socket, so broadcasts, fetch_sockets and the utility
// methods (join, leave, disconnect) reach it the same way.
//
// After the response head, it writes `retry`, the `session` event, then —
// when the client gave a cursor — the log after it, page by page, and then
// live events. While the replay runs, live events are held; when it ends they
// are written minus those the replay already wrote (by sequence), so the
// client sees one ordered stream with no gap and no duplicate (the same rule
// as socket_recovery.cpp).
//
// Writing follows ws_connection: frames are shared, immutable buffers (the
// frame of a broadcast is built once, by the first stream that needs it, and
// kept in the broadcast_packet); frames queued during a handler go out at its
// end through the worker's flush turn, in one gathered write
// (engineio/gathered_write.hpp), so under load one write carries many events.
// A stream whose queue exceeds engine_options::max_outbound_bytes is cut: the
// EventSource reconnects with Last-Event-ID and gets the rest from the log.
// Reads only watch for the peer closing; a client has nothing to say.
//
// Lives on: the worker that read the request. Not thread-safe.

#include "engineio/flushable.hpp"
#include "sse/options.hpp"
#include "sse/request.hpp"

#include <ferry/detail/replayed_sequences.hpp>
#include <ferry/detail/room_member.hpp>
#include <ferry/event_store.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::socketio {
class server_impl;
class worker_state;
class namespace_impl;
}  // namespace ferry::socketio

namespace ferry::sse {

class stream final : public detail::room_member,
                     public engineio::flushable,
                     public std::enable_shared_from_this<stream> {
public:
    stream(socketio::server_impl& server, socketio::worker_state& worker, socketio::namespace_impl& nsp,
           boost::asio::ip::tcp::socket socket, std::string id, std::string address,
           std::shared_ptr<const options> opts);
    ~stream() override;

    /// Writes `head` (the HTTP response head), registers the stream on its
    /// worker, joins its rooms and starts the replay when `request` has a cursor.
    void start(std::string head, const stream_request& request);

    const std::string& member_id() const noexcept override { return id_; }
    bool deliver(const std::shared_ptr<const socketio::broadcast_packet>& packet) override;
    void join_room(const std::string& room) override;
    void leave_room(const std::string& room) override;
    void disconnect_member(bool close) override;
    socket_info describe() const override;

    /// Writes what was queued (called by the engine's flush turn).
    void flush() override;
    /// Bytes queued and not yet written.
    std::size_t queued_bytes() const noexcept { return queued_bytes_; }

private:
    // A frame and what keeps its bytes alive (a broadcast_packet, or its own string).
    struct frame {
        std::shared_ptr<const void> owner;
        std::string_view bytes;
    };

    void enqueue(frame f);
    void enqueue_text(std::string text);
    bool write_live(const std::shared_ptr<const socketio::broadcast_packet>& packet);
    void start_write();
    void on_write(boost::system::error_code ec);
    void written_all();
    void after_drain();
    void watch_peer();
    void on_readable(boost::system::error_code ec);
    void arm_heartbeat();
    void read_log(offset after);
    void on_page(offset after, result<read_page> page);
    void finish_replay();
    void cut(std::string_view reason);
    void finish(std::string_view reason);

    socketio::server_impl& server_;
    socketio::worker_state& worker_;
    socketio::namespace_impl& nsp_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer heartbeat_;
    std::string id_;
    std::string address_;
    std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
    std::shared_ptr<const options> options_;
    std::size_t max_outbound_;
    std::set<std::string> rooms_;
    std::vector<std::string> replay_rooms_;

    std::vector<frame> pending_;
    std::vector<frame> in_flight_;
    std::vector<boost::asio::const_buffer> buffers_;  // the gather list of the write in flight
    bool flush_scheduled_ = false;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool closed_ = false;
    bool cutting_ = false;

    // Replay state (see the file comment).
    bool replaying_ = false;
    bool first_page_ = true;
    std::optional<offset> paused_after_;  // the next page waits for the queue to drain
    std::vector<std::shared_ptr<const socketio::broadcast_packet>> held_;
    std::size_t held_bytes_ = 0;
    detail::replayed_sequences replayed_;
    // Live events at or below the client's cursor are ones it already has.
    std::uint64_t floor_ = 0;
};

}  // namespace ferry::sse
