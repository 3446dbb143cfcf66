#pragma once
// The Engine.IO server: N worker threads, each with its own io_context and
// engine, and one listening socket whose connections are dealt to the workers
// in turn.
//
// Lives on: constructed and started from one thread; `post_to_all` and
// `stop` may be called from any thread.

#include "engineio/accept_backoff.hpp"
#include "engineio/engine.hpp"

#include <ferry/options.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ferry::engineio {

/// The index of the worker whose thread is calling, or -1 on any other thread.
int current_worker() noexcept;

class server {
public:
    /// @param workers number of worker threads (>= 1, <= max_workers)
    server(const engine_options& options, unsigned workers);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

    unsigned worker_count() const noexcept { return static_cast<unsigned>(workers_.size()); }
    engine& engine_at(unsigned index) noexcept { return *workers_[index]->eio; }
    boost::asio::io_context& context_at(unsigned index) noexcept { return workers_[index]->context; }

    /// Binds and listens; throws boost::system::system_error when the address is unusable.
    /// Returns the bound port (useful with port 0).
    unsigned short listen(const std::string& host, unsigned short port);

    /// Starts the worker threads and accepting.
    void start();
    /// Blocks until every worker thread has exited.
    void join();
    /// Stops accepting, closes every session, then stops the workers. Thread-safe, idempotent.
    void stop();
    /// Stops the io_contexts at once.
    void halt();

    /// Runs `fn(worker_index)` on every worker's thread.
    void post_to_all(const std::function<void(unsigned)>& fn);

    /// Times accepting paused because the process ran out of file descriptors
    /// or memory (accept_backoff.hpp). Thread-safe.
    std::uint64_t accept_pauses() const noexcept { return accept_pauses_.load(std::memory_order_relaxed); }

private:
    struct worker {
        // Not the single-thread hint: with it, a post made from the worker's own
        // thread goes to a thread-private queue that is merged after the
        // current handler, so it can be overtaken by a post another thread made
        // later. Broadcasts must reach each worker in offset order.
        boost::asio::io_context context;
        std::unique_ptr<engineio::engine> eio;
        std::thread thread;
    };

    void accept();
    void on_accept_error(boost::system::error_code ec);

    const engine_options& options_;
    // Before workers_: the engines point to it until they are destroyed.
    refused_origins refused_origins_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<engine*> engines_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    unsigned next_worker_ = 0;
    std::atomic<bool> stopping_{false};
    using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<work_guard> guards_;
    std::unique_ptr<boost::asio::steady_timer> halt_timer_;
    // Accept-loop state, on worker 0 (the acceptor's executor).
    accept_backoff backoff_;
    std::unique_ptr<boost::asio::steady_timer> accept_timer_;
    std::atomic<std::uint64_t> accept_pauses_{0};
};

}  // namespace ferry::engineio
