#include "socketio/adapter.hpp"

#include "socketio/client.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/selection.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/worker_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>
#include <set>

namespace ferry::socketio {
namespace asio = boost::asio;

void ack_collector::add_recipients(std::size_t recipients) {
    std::unique_lock lock(mutex_);
    expected_ += recipients;
    --workers_pending_;
    if (workers_pending_ == 0 && replies_.size() >= expected_) finish_locked(lock, {});
}

void ack_collector::add_reply(args reply) {
    std::unique_lock lock(mutex_);
    if (finished_) return;
    replies_.push_back(std::move(reply));
    if (workers_pending_ == 0 && replies_.size() >= expected_) finish_locked(lock, {});
}

void ack_collector::expire() {
    std::unique_lock lock(mutex_);
    if (!finished_) finish_locked(lock, make_error_code(error::timeout));
}

void ack_collector::finish_locked(std::unique_lock<std::mutex>& lock, boost::system::error_code ec) {
    finished_ = true;
    auto replies = std::move(replies_);
    auto done = std::move(done_);
    lock.unlock();
    if (done) done(ec, std::move(replies));
}

std::shared_ptr<ack_collector> make_ack_collector(server_impl& server, std::chrono::milliseconds timeout,
                                                  broadcast_ack_handler done) {
    const int caller = engineio::current_worker();
    auto on_done = [&server, caller, done = std::move(done)](boost::system::error_code ec, std::vector<args> replies) {
        server.complete_on(caller, [done, ec, replies = std::move(replies)]() mutable { done(ec, std::move(replies)); });
    };
    auto collector = std::make_shared<ack_collector>(server.worker_count(), std::move(on_done));
    auto& context = server.engine().context_at(0);
    asio::post(context, [collector, timeout, &context] {
        auto timer = std::make_shared<asio::steady_timer>(context, timeout);
        timer->async_wait([collector, timer](boost::system::error_code) { collector->expire(); });
    });
    return collector;
}

namespace {

template <class Fn>
void for_each_match(worker_state& worker, namespace_local& local, const broadcast_operator::selection& sel,
                    Fn&& fn) {
    auto everyone = [&local](auto&& visit) {
        for (const auto& [id, s] : local.sockets) visit(static_cast<detail::room_member*>(s.get()));
        for (const auto& [id, m] : local.streams) visit(m.get());
    };
    for_each_selected(local.rooms, everyone, sel.rooms, sel.except, worker.next_mark(), std::forward<Fn>(fn));
}

// The selected members, owned: acting on them (join, leave, disconnect) changes the room index.
std::vector<std::shared_ptr<detail::room_member>> matching(worker_state& worker, namespace_impl& nsp,
                                                            const broadcast_operator::selection& sel) {
    std::vector<std::shared_ptr<detail::room_member>> out;
    auto& local = worker.local(nsp);
    for_each_match(worker, local, sel, [&out, &local](detail::room_member& m) {
        if (auto it = local.sockets.find(m.member_id()); it != local.sockets.end()) {
            out.push_back(it->second);
        } else if (auto st = local.streams.find(m.member_id()); st != local.streams.end()) {
            out.push_back(st->second);
        }
    });
    return out;
}

class local_adapter final : public adapter {
public:
    explicit local_adapter(server_impl& server) : server_(server) {}

    void broadcast(std::shared_ptr<const broadcast_packet> packet) override {
        if (packet->only_worker >= 0) {
            const auto i = static_cast<unsigned>(packet->only_worker);
            server_.worker(i).enqueue([packet](worker_state& worker) { deliver(worker, packet); },
                                      server_.engine().context_at(i));
            return;
        }
        on_every_worker([packet](worker_state& worker) { deliver(worker, packet); });
    }

    void add_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                     std::vector<std::string> rooms, matched_handler done) override {
        act_on_matches(nsp, sel, std::move(done), [rooms](detail::room_member& m) {
            for (const auto& r : rooms) m.join_room(r);
        });
    }

    void del_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                     std::vector<std::string> rooms, matched_handler done) override {
        act_on_matches(nsp, sel, std::move(done), [rooms](detail::room_member& m) {
            for (const auto& r : rooms) m.leave_room(r);
        });
    }

    void disconnect_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel, bool close,
                            matched_handler done) override {
        act_on_matches(nsp, sel, std::move(done), [close](detail::room_member& m) { m.disconnect_member(close); });
    }

    void list_rooms(namespace_impl& nsp, std::function<void(std::vector<room_count>)> done) override {
        struct gather {
            std::mutex mutex;
            std::map<std::string, std::size_t> counts;
            std::set<std::string> private_rooms;
            unsigned pending;
        };
        auto g = std::make_shared<gather>();
        g->pending = server_.worker_count();
        const int caller = engineio::current_worker();
        on_every_worker([this, &nsp, g, caller, done](worker_state& worker) {
            auto& local = worker.local(nsp);
            std::vector<std::pair<std::string, std::size_t>> here;
            std::vector<std::string> own;
            for (const auto& [room, members] : local.rooms.all()) {
                // A member is on one worker only, so its own room is private
                // when that worker has a member of that id.
                if (local.sockets.contains(room) || local.streams.contains(room)) own.push_back(room);
                here.emplace_back(room, members.size());
            }
            std::unique_lock lock(g->mutex);
            for (auto& [room, n] : here) g->counts[room] += n;
            for (auto& room : own) g->private_rooms.insert(std::move(room));
            if (--g->pending != 0) return;
            std::vector<room_count> out;
            for (auto& [room, n] : g->counts) {
                if (!g->private_rooms.contains(room)) out.push_back({room, n});
            }
            lock.unlock();
            server_.complete_on(caller, [done, out = std::move(out)]() mutable { done(std::move(out)); });
        });
    }

    void fetch_sockets(namespace_impl& nsp, const broadcast_operator::selection& sel,
                       std::function<void(std::vector<socket_info>)> done) override {
        struct gather {
            std::mutex mutex;
            std::vector<socket_info> found;
            unsigned pending;
            std::function<void(std::vector<socket_info>)> done;
        };
        auto g = std::make_shared<gather>();
        g->pending = server_.worker_count();
        const int caller = engineio::current_worker();
        g->done = [this, caller, done = std::move(done)](std::vector<socket_info> found) {
            server_.complete_on(caller, [done, found = std::move(found)]() mutable { done(std::move(found)); });
        };
        on_every_worker([&nsp, sel, g](worker_state& worker) {
            std::vector<socket_info> here;
            for (auto& m : matching(worker, nsp, sel)) here.push_back(m->describe());
            std::unique_lock lock(g->mutex);
            for (auto& i : here) g->found.push_back(std::move(i));
            if (--g->pending == 0) {
                auto found = std::move(g->found);
                lock.unlock();
                g->done(std::move(found));
            }
        });
    }

    void evict(namespace_impl& nsp, const std::string& sid, matched_handler done) override {
        auto count = make_counter(std::move(done));
        on_every_worker([&nsp, sid, count](worker_state& worker) {
            auto& sockets = worker.local(nsp).sockets;
            std::size_t ended = 0;
            if (auto it = sockets.find(sid); it != sockets.end()) {
                socket_ptr holder = it->second;  // owned: ending it erases it from the map
                holder->client().drop_for_takeover();
                ended = 1;
            }
            if (count) count->add(ended);
        });
    }

    void server_side_emit(namespace_impl&, const args&) override {
        // A single node has no other servers to tell (Socket.IO's serverSideEmit
        // never reaches the emitting node itself).
    }

private:
    // Sums the members matched on each worker; reports once all have acted.
    class counter {
    public:
        counter(unsigned workers, matched_handler done) : pending_(workers), done_(std::move(done)) {}
        void add(std::size_t n) {
            total_ += n;
            if (pending_.fetch_sub(1) == 1) done_(total_.load());
        }

    private:
        std::atomic<unsigned> pending_;
        std::atomic<std::size_t> total_{0};
        matched_handler done_;
    };

    std::shared_ptr<counter> make_counter(matched_handler done) {
        if (!done) return nullptr;
        const int caller = engineio::current_worker();
        return std::make_shared<counter>(server_.worker_count(), [this, caller, done = std::move(done)](std::size_t n) {
            server_.complete_on(caller, [done, n] { done(n); });
        });
    }

    // The utility methods: `act` on every member the selection matches, on
    // every worker; `done` gets how many matched once all workers acted.
    template <class Act>
    void act_on_matches(namespace_impl& nsp, const broadcast_operator::selection& sel, matched_handler done,
                        Act act) {
        auto count = make_counter(std::move(done));
        on_every_worker([&nsp, sel, count, act](worker_state& worker) {
            // Owned copies: acting changes the room index being matched.
            auto members = matching(worker, nsp, sel);
            for (auto& m : members) act(*m);
            if (count) count->add(members.size());
        });
    }

    template <class Fn>
    void on_every_worker(Fn fn) {
        for (unsigned i = 0; i < server_.worker_count(); ++i) {
            server_.worker(i).enqueue(fn, server_.engine().context_at(i));
        }
    }

    static void deliver(worker_state& worker, const std::shared_ptr<const broadcast_packet>& shared) {
        const broadcast_packet& packet = *shared;
        auto& local = worker.local(*packet.nsp);
        std::size_t recipients = 0;
        for_each_match(worker, local, packet.selection, [&](detail::room_member& m) {
            if (packet.acks) {
                // Only Socket.IO sockets can answer an ack; streams do not get such packets.
                auto it = local.sockets.find(m.member_id());
                if (it == local.sockets.end()) return;
                it->second->expect_ack(packet.ack_id, [collector = packet.acks](boost::system::error_code ec, args reply) {
                    if (!ec) collector->add_reply(std::move(reply));
                });
            }
            if (m.deliver(shared)) ++recipients;
        });
        if (packet.acks) packet.acks->add_recipients(recipients);
    }

    server_impl& server_;
};

}  // namespace

std::unique_ptr<adapter> make_local_adapter(server_impl& server) { return std::make_unique<local_adapter>(server); }

}  // namespace ferry::socketio
