#include "engineio/server.hpp"

#include "engineio/sid.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <stdexcept>
#include <string>

namespace ferry::engineio {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
thread_local int current_worker_index = -1;
}

int current_worker() noexcept { return current_worker_index; }

namespace {

// "open-file limit 1024" for EMFILE, so the log line names the knob to turn.
std::string exhaustion_hint(error_code ec) {
    rlimit limit{};
    if (ec != boost::system::errc::too_many_files_open || getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
    return " (open-file limit " + std::to_string(limit.rlim_cur) + ")";
}

}  // namespace

server::server(const engine_options& options, unsigned workers) : options_(options) {
    if (workers == 0 || workers > max_workers) throw std::invalid_argument("workers must be 1..64");
    for (unsigned i = 0; i < workers; ++i) {
        auto w = std::make_unique<worker>();
        w->eio = std::make_unique<engine>(w->context, i, options_);
        engines_.push_back(w->eio.get());
        workers_.push_back(std::move(w));
    }
    for (auto* e : engines_) {
        e->set_group(&engines_);
        e->set_refused_origins(&refused_origins_);
    }
}

server::~server() {
    halt();
    join();
}

unsigned short server::listen(const std::string& host, unsigned short port) {
    auto address = asio::ip::make_address(host);
    asio::ip::tcp::endpoint endpoint{address, port};
    // The acceptor lives on worker 0; accepted sockets are bound to the worker
    // that will own them.
    acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(workers_[0]->context);
    acceptor_->open(endpoint.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen(asio::socket_base::max_listen_connections);
    accept_timer_ = std::make_unique<asio::steady_timer>(workers_[0]->context);
    return acceptor_->local_endpoint().port();
}

void server::start() {
    for (auto& w : workers_) guards_.emplace_back(w->context.get_executor());
    if (acceptor_) asio::post(workers_[0]->context, [this] { accept(); });
    for (auto& w : workers_) {
        w->thread = std::thread([ctx = &w->context, index = static_cast<int>(&w - workers_.data())] {
            current_worker_index = index;
            // Exceptions from user callbacks are caught at connection
            // boundaries; anything reaching here is a bug, so let it terminate.
            ctx->run();
        });
    }
}

void server::accept() {
    worker& target = *workers_[next_worker_];
    next_worker_ = (next_worker_ + 1) % workers_.size();
    acceptor_->async_accept(target.context, [this, &target](error_code ec, asio::ip::tcp::socket socket) {
        if (stopping_ || !acceptor_->is_open()) return;
        if (ec) return on_accept_error(ec);
        if (backoff_.on_accepted(std::chrono::steady_clock::now())) {
            spdlog::info("accepting connections again ({} pause(s) since start)", backoff_.pauses());
        }
        asio::post(target.context, [s = std::move(socket), e = target.eio.get()]() mutable {
            std::make_shared<http_connection>(std::move(s), *e)->start();
        });
        accept();
    });
}

void server::on_accept_error(error_code ec) {
    const auto d = backoff_.on_error(ec, std::chrono::steady_clock::now());
    if (d.pause == accept_backoff::duration::zero()) return accept();  // that one connection's failure
    accept_pauses_.fetch_add(1, std::memory_order_relaxed);
    if (d.to_report) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d.to_report->pause).count();
        spdlog::warn("cannot accept connections: {}{}; pausing accepts for {} ms ({} pause(s) since the last "
                     "report); connections already open are served as usual",
                     ec.message(), exhaustion_hint(ec), ms, d.to_report->pauses);
    }
    accept_timer_->expires_after(d.pause);
    accept_timer_->async_wait([this](error_code timer_ec) {
        if (timer_ec || stopping_ || !acceptor_->is_open()) return;
        accept();
    });
}

void server::post_to_all(const std::function<void(unsigned)>& fn) {
    for (unsigned i = 0; i < workers_.size(); ++i) {
        asio::post(workers_[i]->context, [fn, i] { fn(i); });
    }
}

void server::stop() {
    if (stopping_.exchange(true)) return;
    asio::post(workers_[0]->context, [this] {
        error_code ignored;
        if (acceptor_) acceptor_->close(ignored);
        if (accept_timer_) accept_timer_->cancel();
    });
    post_to_all([this](unsigned i) { workers_[i]->eio->close_all(); });
    // Give the close packets a moment to go out, then stop the workers (idle
    // keep-alive connections would otherwise keep them running).
    asio::post(workers_[0]->context, [this] {
        halt_timer_ = std::make_unique<asio::steady_timer>(workers_[0]->context, std::chrono::milliseconds(300));
        halt_timer_->async_wait([this](error_code) {
            // Sessions still waiting for a poll end now, so every disconnect
            // handler runs; the workers stop once each has done so.
            auto remaining = std::make_shared<std::atomic<unsigned>>(worker_count());
            post_to_all([this, remaining](unsigned i) {
                workers_[i]->eio->terminate_all();
                if (--*remaining == 0) halt();
            });
        });
    });
}

void server::halt() {
    for (auto& w : workers_) w->context.stop();
}

void server::join() {
    for (auto& w : workers_) {
        if (w->thread.joinable()) w->thread.join();
    }
}

}  // namespace ferry::engineio
