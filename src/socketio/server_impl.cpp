#include "socketio/server_impl.hpp"

#include "engineio/session.hpp"
#include "engineio/sid.hpp"
#include "socketio/client.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <thread>

namespace ferry::socketio {

namespace {

unsigned effective_workers(unsigned requested) {
    unsigned n = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
    return std::min(n, engineio::max_workers);
}

ferry::handshake make_handshake(const engineio::http_request& request, const engineio::session& s) {
    std::string headers;
    for (const auto& field : request) {
        const auto name = field.name_string();
        const auto value = field.value();
        const std::size_t at = headers.size();
        headers.append(name.data(), name.size());
        std::transform(headers.begin() + static_cast<std::ptrdiff_t>(at), headers.end(), headers.begin() + static_cast<std::ptrdiff_t>(at),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        headers += ": ";
        headers.append(value.data(), value.size());
        headers += "\r\n";
    }
    const auto target = request.target();
    ferry::handshake hs;
    hs.request = std::make_shared<const ferry::request_head>(std::string_view(target.data(), target.size()), headers);
    hs.address = s.remote_address();
    hs.time = std::chrono::system_clock::now();
    hs.auth = boost::json::object{};
    return hs;
}

}  // namespace

server_impl::server_impl(server_options options) : options_(std::move(options)) {
    const unsigned n = effective_workers(options_.workers);
    engine_ = std::make_unique<engineio::server>(options_.engine, n);
    for (unsigned i = 0; i < n; ++i) {
        workers_.push_back(std::make_unique<worker_state>(i));
        engine_->engine_at(i).on_session = [this, i](const std::shared_ptr<engineio::session>& s,
                                                     const engineio::http_request& request) {
            on_session(i, s, request);
        };
        engine_->engine_at(i).on_close_all = [this, i] { workers_[i]->close_streams(); };
        engine_->engine_at(i).work_pending = [this, i] { return workers_[i]->has_queued(); };
    }
    adapter_ = make_local_adapter(*this);
    if (options_.store) {
        sessions_ = options_.sessions ? options_.sessions
                                      : std::shared_ptr<session_store>(make_memory_session_store(
                                            {}, options_.recovery.max_disconnection_duration));
    }
    find_namespace("/", true);
}

server_impl::~server_impl() {
    engine_->halt();
    engine_->join();
}

void server_impl::on_session(unsigned worker, const std::shared_ptr<engineio::session>& s,
                             const engineio::http_request& request) {
    auto c = std::make_shared<client>(*this, *workers_[worker], s, make_handshake(request, *s));
    c->start();
}

namespace_impl* server_impl::find_namespace(std::string_view name, bool create) {
    std::lock_guard lock(namespaces_mutex_);
    for (auto& n : namespaces_) {
        if (!n->matcher && n->name() == name) return n.get();
    }
    if (!create) return nullptr;
    namespaces_.push_back(std::make_unique<namespace_impl>(*this, std::string(name), namespaces_.size()));
    return namespaces_.back().get();
}

namespace_impl& server_impl::add_dynamic(std::function<bool(std::string_view, const boost::json::value&)> matcher) {
    std::lock_guard lock(namespaces_mutex_);
    namespaces_.push_back(std::make_unique<namespace_impl>(*this, "", namespaces_.size()));
    namespaces_.back()->matcher = std::move(matcher);
    dynamic_parents_.push_back(namespaces_.back().get());
    return *namespaces_.back();
}

namespace_impl* server_impl::resolve_for_connect(std::string_view name, const boost::json::value& auth) {
    if (auto* existing = find_namespace(name, false)) return existing;
    std::vector<namespace_impl*> parents;
    {
        std::lock_guard lock(namespaces_mutex_);
        parents = dynamic_parents_;
    }
    for (auto* parent : parents) {
        // The matcher is user code: run it without holding the lock.
        if (!parent->matcher(name, auth)) continue;
        std::lock_guard lock(namespaces_mutex_);
        for (auto& n : namespaces_) {
            if (!n->matcher && n->name() == name) return n.get();
        }
        namespaces_.push_back(std::make_unique<namespace_impl>(*this, std::string(name), namespaces_.size()));
        namespaces_.back()->parent = parent;
        return namespaces_.back().get();
    }
    return nullptr;
}

void server_impl::set_http_handler(engineio::http_handler handler) {
    for (unsigned i = 0; i < engine_->worker_count(); ++i) engine_->engine_at(i).on_http = handler;
}

void server_impl::complete_on(int worker, std::function<void()> fn) {
    if (worker < 0 || static_cast<unsigned>(worker) >= worker_count()) return fn();
    boost::asio::post(engine_->context_at(static_cast<unsigned>(worker)), std::move(fn));
}

std::string server_impl::make_socket_id() { return engineio::make_sid(0).substr(1); }

}  // namespace ferry::socketio
