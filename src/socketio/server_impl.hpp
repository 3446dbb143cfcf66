#pragma once
// The Socket.IO server behind ferry::server: namespaces, the per-worker
// Socket.IO state, and the adapter that carries broadcasts to every worker.

#include "engineio/server.hpp"
#include "socketio/adapter.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/worker_state.hpp"

#include <ferry/event_store.hpp>
#include <ferry/options.hpp>
#include <ferry/session_store.hpp>
#include <ferry/server.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::socketio {

class server_impl {
public:
    explicit server_impl(server_options options);
    ~server_impl();

    const server_options& options() const noexcept { return options_; }
    engineio::server& engine() noexcept { return *engine_; }
    worker_state& worker(unsigned index) noexcept { return *workers_[index]; }
    unsigned worker_count() const noexcept { return static_cast<unsigned>(workers_.size()); }
    adapter& get_adapter() noexcept { return *adapter_; }

    /// The namespace named `name`, created when `create` is set.
    namespace_impl* find_namespace(std::string_view name, bool create);
    /// A new dynamic parent namespace.
    namespace_impl& add_dynamic(std::function<bool(std::string_view, const boost::json::value&)> matcher);
    /// Finds or creates the namespace a client asks for (static, or a child of
    /// a matching dynamic parent). Thread-safe; null when none matches.
    namespace_impl* resolve_for_connect(std::string_view name, const boost::json::value& auth);

    /// Runs `fn` on worker `worker`, or right here when `worker` is -1 (the
    /// caller was not a worker). Completions go back to the worker that asked,
    /// so a handler's continuation runs on its own socket's thread.
    void complete_on(int worker, std::function<void()> fn);

    /// The event log, or null when recovery is off.
    event_store* store() const noexcept { return options_.store.get(); }
    /// Session records (set whenever store() is).
    session_store* sessions() const noexcept { return sessions_.get(); }

    /// Emits an event to a selection. With a store and a non-volatile
    /// selection the event is appended to the log first, then delivered with
    /// its offset as last argument; `done` (optional) gets that offset, or the
    /// store's error (then nothing was delivered). Without, it is delivered
    /// at once and `done` gets an empty offset. Thread-safe.
    void publish(namespace_impl& nsp, const broadcast_operator::selection& sel, std::string_view name,
                 const args& a, std::function<void(result<std::string>)> done, std::string idempotency_key = {},
                 int only_worker = -1);

    /// Writes the recoverable state of `s` (no-op without a store).
    void save_session(const socket& s, bool disconnected);
    /// Forgets the recoverable state of `s` (it cannot be recovered any more).
    void drop_session(const socket& s);

    /// Serves HTTP requests outside the Engine.IO path (the daemon's /healthz,
    /// /api, /events). Runs on the worker that read the request. Set before start().
    void set_http_handler(engineio::http_handler handler);

    /// What server::stats() reports.
    struct {
        std::atomic<std::uint64_t> slow_consumer_cuts{0};
        std::atomic<std::uint64_t> recoveries{0};
        std::atomic<std::uint64_t> recovery_gaps{0};
        std::atomic<std::uint64_t> takeovers{0};  // half-open connections ended by a reconnect
    } counters;

    /// A fresh Socket.IO socket id (thread-safe).
    std::string make_socket_id();

private:
    void on_session(unsigned worker, const std::shared_ptr<engineio::session>& s,
                    const engineio::http_request& request);

    server_options options_;
    std::unique_ptr<engineio::server> engine_;
    std::vector<std::unique_ptr<worker_state>> workers_;
    std::unique_ptr<adapter> adapter_;
    std::shared_ptr<session_store> sessions_;
    // Serialises "append, then hand to the workers", so that events reach
    // every worker in offset order whatever thread published them (the memory
    // store completes inline on the publisher's thread). Held once per
    // publish, never per recipient.
    std::mutex publish_mutex_;
    // The newest sequence handed to the workers. Completions arrive in
    // sequence order, so an older one is an idempotent retry answered with
    // the first offset: reported, never delivered twice.
    std::uint64_t last_published_ = 0;

    std::mutex namespaces_mutex_;
    std::deque<std::unique_ptr<namespace_impl>> namespaces_;  // stable addresses
    std::vector<namespace_impl*> dynamic_parents_;
};

}  // namespace ferry::socketio
