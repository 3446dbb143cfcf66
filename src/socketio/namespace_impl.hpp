#pragma once
// The definition of one namespace, shared by all workers: its middleware and
// handlers (read-only once the server runs) and the node-wide room counts that
// decide when create-room / delete-room fire.
//
// Per-worker state (which sockets are connected here, the room index) lives
// in worker_state, so broadcasts never lock.

#include <ferry/server.hpp>

#include <boost/json/value.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::socketio {

class server_impl;

class namespace_impl {
public:
    namespace_impl(server_impl& server, std::string name, std::size_t index)
        : server_(&server), name_(std::move(name)), index_(index) {}

    const std::string& name() const noexcept { return name_; }
    /// Dense index of this namespace, used to address per-worker state.
    std::size_t index() const noexcept { return index_; }
    server_impl& server() noexcept { return *server_; }

    std::vector<namespace_middleware> middlewares;
    std::vector<connection_handler> connection_handlers;
    std::vector<room_handler> create_room_handlers;
    std::vector<room_handler> delete_room_handlers;
    std::vector<room_member_handler> join_room_handlers;
    std::vector<room_member_handler> leave_room_handlers;
    std::vector<std::function<void(const args&)>> server_side_emit_handlers;

    /// For a dynamic parent: decides whether a name belongs to the family.
    std::function<bool(std::string_view, const boost::json::value&)> matcher;
    /// For a child of a dynamic parent: the parent whose handlers it uses.
    namespace_impl* parent = nullptr;

    /// Handlers come from the parent for dynamic children.
    const namespace_impl& handlers() const noexcept { return parent ? *parent : *this; }

    /// A worker created (or deleted) its local copy of `room`; fires
    /// create-room / delete-room when the node-wide count goes 0 -> 1 / 1 -> 0.
    void room_created_on_worker(const std::string& room);
    void room_deleted_on_worker(const std::string& room);

    /// Ack ids are unique per namespace (not per socket) so that a broadcast
    /// with acks can use one id, and so one encoding, for every recipient.
    std::atomic<std::uint64_t> next_ack_id{0};

    /// Sockets of this namespace on this node, across workers.
    std::atomic<std::size_t> socket_count{0};

private:
    server_impl* server_;
    std::string name_;
    std::size_t index_;
    std::mutex rooms_mutex_;
    std::unordered_map<std::string, unsigned> worker_rooms_;
};

}  // namespace ferry::socketio
