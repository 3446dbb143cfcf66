#pragma once
// The adapter seam (socket.io-adapter): how broadcasts and the utility
// methods reach every socket that matches a selection. The local adapter
// reaches every worker of this node; a cluster adapter (Redis) extends it to
// other nodes by publishing the same requests.

#include "engineio/wire.hpp"

#include <ferry/broadcast.hpp>

#include <functional>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::socketio {

class namespace_impl;
class server_impl;

/// Collects the acknowledgements of one broadcast from every worker: each
/// worker reports how many sockets it sent to, then answers arrive; the
/// handler runs once, when all answered or when the timeout fires.
/// Thread-safe (workers report concurrently).
class ack_collector {
public:
    ack_collector(unsigned workers, broadcast_ack_handler done) : workers_pending_(workers), done_(std::move(done)) {}
    /// A worker sent the packet to `recipients` sockets.
    void add_recipients(std::size_t recipients);
    /// One socket answered.
    void add_reply(args reply);
    /// The timeout fired.
    void expire();

private:
    void finish_locked(std::unique_lock<std::mutex>& lock, boost::system::error_code ec);

    std::mutex mutex_;
    unsigned workers_pending_;
    std::size_t expected_ = 0;
    std::vector<args> replies_;
    bool finished_ = false;
    broadcast_ack_handler done_;
};

/// Creates a collector whose timeout runs on worker 0.
std::shared_ptr<ack_collector> make_ack_collector(server_impl& server, std::chrono::milliseconds timeout,
                                                  broadcast_ack_handler done);

/// One broadcast, encoded once.
struct broadcast_packet {
    namespace_impl* nsp = nullptr;
    broadcast_operator::selection selection;
    /// The encoded packet: text first, then binary attachments.
    std::vector<engineio::wire_ptr> wire;
    /// Set for broadcasts that collect acks.
    std::shared_ptr<ack_collector> acks;
    std::uint64_t ack_id = 0;
    /// Log sequence of a recoverable event (0: not in the log). Sockets that
    /// are replaying hold it, and drop it when the replay already sent it.
    std::uint64_t sequence = 0;
    /// The one worker that can hold the recipients (a socket's emit to
    /// itself), or -1: every worker (and, for a cluster adapter, every node).
    int only_worker = -1;
    /// The offset in client form ("" when the event is not in the log).
    std::string offset;
    /// JSON text of [name, ...args]: what non-Socket.IO members (SSE streams)
    /// are written from. Null for packets they never get (acks).
    std::shared_ptr<const std::string> payload;
    /// The Server-Sent Events frame of this event, built once by the first
    /// stream that needs it, then shared like `wire`.
    mutable std::once_flag sse_once;
    mutable std::string sse_frame;
};

/// One room and how many members (sockets and streams) it has.
struct room_count {
    std::string room;
    std::size_t members = 0;
    bool operator==(const room_count&) const = default;
};

/// Completion of the utility methods: how many members matched the
/// selection, once every worker has acted. Runs on the worker that asked
/// (inline when the caller is not a worker).
using matched_handler = std::function<void(std::size_t matched)>;

class adapter {
public:
    virtual ~adapter() = default;
    /// Delivers to every matching socket (all workers; other nodes unless local).
    virtual void broadcast(std::shared_ptr<const broadcast_packet> packet) = 0;
    virtual void add_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                             std::vector<std::string> rooms, matched_handler done = {}) = 0;
    virtual void del_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                             std::vector<std::string> rooms, matched_handler done = {}) = 0;
    virtual void disconnect_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                                    bool close, matched_handler done = {}) = 0;
    /// The rooms of `nsp` with their member counts, sorted by name. Private
    /// rooms (a room named after the id of one of its members: each socket's
    /// and stream's own room) are left out. `done` runs as for matched_handler.
    virtual void list_rooms(namespace_impl& nsp, std::function<void(std::vector<room_count>)> done) = 0;
    virtual void fetch_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                               std::function<void(std::vector<socket_info>)> done) = 0;
    virtual void server_side_emit(namespace_impl& nsp, const args& a) = 0;
    /// Ends, as a lost transport, the connection that holds socket `sid` of
    /// `nsp`, wherever it lives (any worker; any node for a cluster adapter):
    /// a reconnect presented that socket's pid, so the client has left it.
    /// The socket saves its session as disconnected before `done` runs (with
    /// how many connections were ended: 0 or 1), as for matched_handler.
    virtual void evict(namespace_impl& nsp, const std::string& sid, matched_handler done) = 0;
};

/// The adapter of a single node: every operation runs on every worker.
std::unique_ptr<adapter> make_local_adapter(server_impl& server);

}  // namespace ferry::socketio
