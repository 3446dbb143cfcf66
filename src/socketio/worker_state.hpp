#pragma once
// What one worker knows about Socket.IO: the sockets it owns and their rooms,
// per namespace. Only the worker's own thread touches it, so fan-out and
// room changes take no lock.

#include "engineio/wire.hpp"
#include "socketio/replay_cache.hpp"
#include "socketio/room_index.hpp"

#include <ferry/socket.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::socketio {

class namespace_impl;

struct namespace_local {
    std::unordered_map<std::string, socket_ptr> sockets;
    /// Room members that are not Socket.IO sockets (Server-Sent Events streams).
    std::unordered_map<std::string, std::shared_ptr<detail::room_member>> streams;
    room_index rooms;
};

class worker_state {
public:
    explicit worker_state(unsigned index) : index_(index) {}

    unsigned index() const noexcept { return index_; }

    /// The local state of `nsp` on this worker (created on first use).
    namespace_local& local(const namespace_impl& nsp);

    /// Queues an adapter operation (a broadcast, a join, ...) for this worker.
    /// Thread-safe. Operations run in the order they were queued, all that
    /// are waiting in one task: under load a worker takes many broadcasts in
    /// one turn, and its sessions flush once after them (one write for many
    /// frames) instead of once per broadcast.
    void enqueue(std::function<void(worker_state&)> op, boost::asio::io_context& context);

    /// Whether operations are queued and not yet taken. Any thread.
    bool has_queued() const noexcept { return drain_posted_.load(std::memory_order_relaxed); }

    /// Encoded replayed events shared by the clients (and SSE streams) recovering on this worker.
    replay_cache<std::vector<engineio::wire_ptr>>& replay_packets() noexcept { return replay_packets_; }
    replay_cache<std::shared_ptr<const std::string>>& replay_sse_frames() noexcept { return replay_sse_frames_; }

    /// A fresh mark for one broadcast on this worker (see socket::delivered_mark).
    std::uint64_t next_mark() noexcept { return ++mark_; }

    /// Adds / removes a member of `nsp` in a room, firing the namespace's room events.
    void join(namespace_impl& nsp, detail::room_member& m, const std::string& room);
    void leave(namespace_impl& nsp, detail::room_member& m, const std::string& room);

    /// Ends every member that is not a Socket.IO socket (SSE streams), in
    /// every namespace: the server is shutting down.
    void close_streams();

private:
    unsigned index_;
    std::vector<std::unique_ptr<namespace_local>> locals_;
    std::uint64_t mark_ = 0;
    replay_cache<std::vector<engineio::wire_ptr>> replay_packets_;
    replay_cache<std::shared_ptr<const std::string>> replay_sse_frames_;
    std::mutex inbox_mutex_;
    std::vector<std::function<void(worker_state&)>> inbox_;
    std::vector<std::function<void(worker_state&)>> draining_;  // trades places with inbox_
    std::atomic<bool> drain_posted_{false};
};

}  // namespace ferry::socketio
