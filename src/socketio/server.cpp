// The public facade: ferry::server and ferry::nsp forward to server_impl.

#include <ferry/server.hpp>

#include "socketio/adapter.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"

namespace ferry {

const std::string& nsp::name() const noexcept { return impl_->name(); }

nsp& nsp::use(namespace_middleware middleware) {
    impl_->middlewares.push_back(std::move(middleware));
    return *this;
}

nsp& nsp::on_connection(connection_handler handler) {
    impl_->connection_handlers.push_back(std::move(handler));
    return *this;
}

nsp& nsp::on_create_room(room_handler handler) {
    impl_->create_room_handlers.push_back(std::move(handler));
    return *this;
}

nsp& nsp::on_delete_room(room_handler handler) {
    impl_->delete_room_handlers.push_back(std::move(handler));
    return *this;
}

nsp& nsp::on_join_room(room_member_handler handler) {
    impl_->join_room_handlers.push_back(std::move(handler));
    return *this;
}

nsp& nsp::on_leave_room(room_member_handler handler) {
    impl_->leave_room_handlers.push_back(std::move(handler));
    return *this;
}

nsp& nsp::on_server_side_emit(std::function<void(const args&)> handler) {
    impl_->server_side_emit_handlers.push_back(std::move(handler));
    return *this;
}

void nsp::server_side_emit(const args& a) const { impl_->server().get_adapter().server_side_emit(*impl_, a); }

std::size_t nsp::size() const noexcept { return impl_->socket_count.load(); }

server::server(server_options options) : impl_(std::make_unique<socketio::server_impl>(std::move(options))) {}

server::~server() = default;

nsp server::of(std::string_view name) {
    std::string normalized(name);
    if (normalized.empty() || normalized.front() != '/') normalized.insert(normalized.begin(), '/');
    return nsp(*impl_->find_namespace(normalized, true));
}

nsp server::of(std::function<bool(std::string_view, const boost::json::value&)> accept) {
    return nsp(impl_->add_dynamic(std::move(accept)));
}

nsp server::of(const std::regex& pattern) {
    return of([pattern](std::string_view name, const boost::json::value&) {
        return std::regex_match(name.begin(), name.end(), pattern);
    });
}

server& server::use(namespace_middleware middleware) {
    of("/").use(std::move(middleware));
    return *this;
}

server& server::on_connection(connection_handler handler) {
    of("/").on_connection(std::move(handler));
    return *this;
}

broadcast_operator server::to(std::string room) const {
    return broadcast_operator(*impl_->find_namespace("/", true)).to(std::move(room));
}

broadcast_operator server::except(std::string room) const {
    return broadcast_operator(*impl_->find_namespace("/", true)).except(std::move(room));
}

unsigned short server::listen(const std::string& host, unsigned short port) {
    return impl_->engine().listen(host, port);
}

void server::start() { impl_->engine().start(); }

void server::run() {
    start();
    join();
}

void server::stop() { impl_->engine().stop(); }

void server::join() { impl_->engine().join(); }

const server_options& server::options() const noexcept { return impl_->options(); }

server_stats server::stats() const noexcept {
    server_stats s;
    s.slow_consumer_cuts = impl_->counters.slow_consumer_cuts.load(std::memory_order_relaxed);
    s.recoveries = impl_->counters.recoveries.load(std::memory_order_relaxed);
    s.recovery_gaps = impl_->counters.recovery_gaps.load(std::memory_order_relaxed);
    s.takeovers = impl_->counters.takeovers.load(std::memory_order_relaxed);
    s.accept_pauses = impl_->engine().accept_pauses();
    return s;
}

unsigned server::worker_count() const noexcept { return impl_->worker_count(); }

}  // namespace ferry
