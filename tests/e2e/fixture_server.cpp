// The server the end-to-end tests start: a ferry::server built with the public
// API only (<ferry/server.hpp>), with one event per behaviour under test.
//
// It listens on 127.0.0.1, prints exactly one line `listening <port>` on stdout
// once clients may connect, and runs until SIGTERM or SIGINT, then stops the
// server (clients are told it is shutting down) and exits 0.
//
// Deliberately not here: any output on connection (the tests count events), or
// any use of ferry's private headers (the tests exercise what embedders get).
//
// Events of "/" (and of "/chat", "/guarded"):
//   echo            emits `echo` back with the same arguments (binary included)
//   echo-ack        acknowledges with the same arguments
//   join / leave    (room) joins / leaves the room, acks true
//   to-room         ({room, event, data, except?}) socket->to(room) — everyone in the room(s) but
//                   the sender and the sockets in `except`; acks true. room / except: a string or an array.
//   to-room-all     ({room, event, data, except?}) the same from the namespace — sender included
//   server-ack      emit_with_ack("ping-me", args…) with a 1000 ms timeout, then emits
//                   `server-ack-result` with the client's answer, or "timeout"
//   kick            socket->disconnect()
//   broadcast-ack   nsp.timeout(500ms).emit_with_ack("question", args…), then emits
//                   `broadcast-ack-result` {count, timedOut, answers}
//   rooms           acks the socket's rooms (sorted)
//   fetch           ([room]) acks the ids of fetch_sockets() (sorted), optionally in a room
//   publish         ({room, event, data}) io.of("/").to(room).publish(event, data): stored in the
//                   event log first (with a store); acks {ok:true, offset} or {ok:false, error}.
//                   room: a string or an array.
//   publish-all     ({event, data}) the same to the whole namespace
//   join-since      ({rooms, since}) socket->join_since(rooms, since), acks true
//   whoami          acks {id, recovered, rooms} (rooms sorted, the socket's own id included)
//   set-data        (value) socket->set_data(value), acks true
//   get-data        acks socket->data()
// On connection (of "/"), a socket that did not recover joins auth.rooms (an array of strings),
// through join_since(rooms, auth.since) when auth.since is a string. A recovered socket ignores
// them: socket.io-client sends its first auth again on every reconnect.
//
// Connection state recovery (off by default: --store none):
//   --store memory|sqlite       the event log and the session store (sqlite: --data-dir DIR holds
//                               events.sqlite and sessions.sqlite; --durability batch|sync)
//   --max-events N              retention: events kept per room
//   --max-disconnection MS      recovery window
//   --max-outbound BYTES        outbound budget of a connection (slow consumer cut)
// On SIGTERM the server stops, then the stores are flushed and closed (marked clean).
// "/guarded" admits a client only when auth.token == "secret", else CONNECT_ERROR
// {"message":"unauthorized","data":{"code":401}}. Namespaces matching ^/dyn-\d+$
// are created on demand; their sockets are sent `hello` with the namespace name.

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>
#include <ferry/session_store.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

/// The first argument as an object, or null when it is not one.
const json::object* first_object(const ferry::event& e) {
    return e.args.values.empty() ? nullptr : e.args.values.front().if_object();
}

/// The string member `key` of `o`, or empty.
std::string string_member(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

/// The member `key` of `o` as a list of strings: a string is a list of one.
std::vector<std::string> string_list(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (!v) return out;
    if (v->is_string()) out.emplace_back(v->get_string());
    if (const auto* a = v->if_array()) {
        for (const auto& item : *a) {
            if (item.is_string()) out.emplace_back(item.get_string());
        }
    }
    return out;
}

/// Arguments for a relayed event: `data` (absent: none) with the attachments of
/// the event it came in, so binary placeholders inside `data` keep pointing at their bytes.
ferry::args relay_args(const json::object& o, const ferry::args& incoming) {
    ferry::args out;
    if (const auto* data = o.if_contains("data")) {
        out.values.push_back(*data);
        out.attachments = incoming.attachments;
    }
    return out;
}

/// The completion of a publish: acks {ok:true, offset} or {ok:false, error}.
/// It may run on any thread; ferry's ack callback writes on the socket's worker.
std::function<void(ferry::result<std::string>)> publish_answer(ferry::ack_callback ack) {
    return [ack = std::move(ack)](ferry::result<std::string> offset) {
        if (offset) {
            ack(json::object{{"ok", true}, {"offset", *offset}});
        } else {
            ack(json::object{{"ok", false}, {"error", offset.error().message()}});
        }
    };
}

json::value sorted_array(std::vector<std::string> items) {
    std::sort(items.begin(), items.end());
    return json::value_from(items);
}

/// Installs the test behaviours on a socket of a namespace that `ns` names.
/// Handlers hold the socket weakly: the socket owns its handlers.
void install_behaviours(const ferry::socket_ptr& s, ferry::nsp ns) {
    std::weak_ptr<ferry::socket> weak = s;

    s->on("echo", [weak](ferry::event& e) {
        if (auto self = weak.lock()) self->emit_args("echo", e.args);
    });
    s->on("echo-ack", [](ferry::event& e) { e.ack(e.args); });

    s->on("join", [weak](ferry::event& e) {
        auto self = weak.lock();
        if (!self || e.args.values.empty() || !e.args.values[0].is_string()) return e.ack(false);
        self->join(std::string(e.args.values[0].get_string()));
        e.ack(true);
    });
    s->on("leave", [weak](ferry::event& e) {
        auto self = weak.lock();
        if (!self || e.args.values.empty() || !e.args.values[0].is_string()) return e.ack(false);
        self->leave(std::string(e.args.values[0].get_string()));
        e.ack(true);
    });

    s->on("to-room", [weak](ferry::event& e) {
        auto self = weak.lock();
        const auto* o = first_object(e);
        if (!self || !o) return e.ack(false);
        auto rooms = string_list(*o, "room");
        if (rooms.empty()) return e.ack(false);
        // socket::to excludes the sender; further rooms and exceptions add to that selection.
        auto op = self->to(rooms.front()).to(rooms).except(string_list(*o, "except"));
        op.emit_args(string_member(*o, "event"), relay_args(*o, e.args));
        e.ack(true);
    });
    s->on("to-room-all", [ns](ferry::event& e) {
        const auto* o = first_object(e);
        if (!o) return e.ack(false);
        auto rooms = string_list(*o, "room");
        if (rooms.empty()) return e.ack(false);
        auto op = ns.all().to(rooms).except(string_list(*o, "except"));
        op.emit_args(string_member(*o, "event"), relay_args(*o, e.args));
        e.ack(true);
    });

    s->on("server-ack", [weak](ferry::event& e) {
        auto self = weak.lock();
        if (!self) return;
        self->emit_with_ack("ping-me", e.args, 1000ms, [weak](boost::system::error_code ec, ferry::args answer) {
            auto me = weak.lock();
            if (!me) return;
            if (ec) {
                me->emit("server-ack-result", ec == ferry::error::timeout ? std::string("timeout") : ec.message());
            } else {
                me->emit_args("server-ack-result", answer);
            }
        });
    });

    s->on("kick", [weak](ferry::event&) {
        if (auto self = weak.lock()) self->disconnect();
    });

    s->on("broadcast-ack", [ns, id = s->id()](ferry::event& e) {
        // The completion may run on any worker: answer through the socket's own
        // room, which is safe from any thread, rather than through the socket.
        ns.timeout(500ms).emit_with_ack(
            "question", e.args, [ns, id](boost::system::error_code ec, std::vector<ferry::args> answers) {
                json::object result;
                result["count"] = answers.size();
                result["timedOut"] = ec == ferry::error::timeout;
                json::array values;
                for (const auto& a : answers) values.push_back(a.values);
                result["answers"] = std::move(values);
                ns.to(id).emit("broadcast-ack-result", std::move(result));
            });
    });

    s->on("rooms", [weak](ferry::event& e) {
        auto self = weak.lock();
        if (!self) return;
        e.ack(sorted_array({self->rooms().begin(), self->rooms().end()}));
    });

    s->on("publish", [ns](ferry::event& e) {
        const auto* o = first_object(e);
        if (!o) return e.ack(json::object{{"ok", false}, {"error", "bad arguments"}});
        auto op = ns.all();
        if (auto rooms = string_list(*o, "room"); !rooms.empty()) op = op.to(rooms);
        op.publish(string_member(*o, "event"), relay_args(*o, e.args), publish_answer(e.ack));
    });
    s->on("publish-all", [ns](ferry::event& e) {
        const auto* o = first_object(e);
        if (!o) return e.ack(json::object{{"ok", false}, {"error", "bad arguments"}});
        ns.all().publish(string_member(*o, "event"), relay_args(*o, e.args), publish_answer(e.ack));
    });
    s->on("join-since", [weak](ferry::event& e) {
        auto self = weak.lock();
        const auto* o = first_object(e);
        if (!self || !o) return e.ack(false);
        self->join_since(string_list(*o, "rooms"), string_member(*o, "since"));
        e.ack(true);
    });
    s->on("whoami", [weak](ferry::event& e) {
        auto self = weak.lock();
        if (!self) return;
        e.ack(json::object{{"id", self->id()},
                           {"recovered", self->recovered()},
                           {"rooms", sorted_array({self->rooms().begin(), self->rooms().end()})}});
    });
    s->on("set-data", [weak](ferry::event& e) {
        auto self = weak.lock();
        if (!self) return;
        self->set_data(e.args.values.empty() ? json::value(nullptr) : e.args.values[0]);
        e.ack(true);
    });
    s->on("get-data", [weak](ferry::event& e) {
        if (auto self = weak.lock()) e.ack(self->data());
    });

    s->on("fetch", [ns](ferry::event& e) {
        auto op = ns.all();
        if (!e.args.values.empty() && e.args.values[0].is_string()) {
            op = op.to(std::string(e.args.values[0].get_string()));
        }
        op.fetch_sockets([ack = e.ack](std::vector<ferry::socket_info> sockets) {
            std::vector<std::string> ids;
            ids.reserve(sockets.size());
            for (auto& info : sockets) ids.push_back(std::move(info.id));
            ack(sorted_array(std::move(ids)));
        });
    });
}

/// On connection: a fresh socket joins auth.rooms, from auth.since when given.
/// A recovered one is already back in its rooms, and its auth is the stale one
/// of its first connection (socket.io-client resends it on every reconnect).
void join_auth_rooms(const ferry::socket_ptr& s) {
    if (s->recovered()) return;
    const auto* auth = s->handshake().auth.if_object();
    if (!auth) return;
    auto rooms = string_list(*auth, "rooms");
    if (rooms.empty()) return;
    if (auto since = string_member(*auth, "since"); !since.empty()) {
        s->join_since(rooms, since);
    } else {
        s->join(rooms);
    }
}

bool has_secret_token(const json::value& auth) {
    const auto* o = auth.if_object();
    if (!o) return false;
    const auto* token = o->if_contains("token");
    return token && token->is_string() && token->get_string() == "secret";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ferry end-to-end test fixture"};
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    ferry::server_options options;
    options.workers = 1;
    long long ping_interval = options.engine.ping_interval.count();
    long long ping_timeout = options.engine.ping_timeout.count();
    long long connect_timeout = options.connect_timeout.count();
    app.add_option("--host", host, "address to bind")->capture_default_str();
    app.add_option("--port", port, "port to bind; 0 picks a free one")->capture_default_str();
    app.add_option("--workers", options.workers, "worker threads")->capture_default_str();
    app.add_option("--ping-interval", ping_interval, "Engine.IO pingInterval, ms")->capture_default_str();
    app.add_option("--ping-timeout", ping_timeout, "Engine.IO pingTimeout, ms")->capture_default_str();
    app.add_option("--max-payload", options.engine.max_payload, "Engine.IO maxPayload, bytes")
        ->capture_default_str();
    app.add_option("--connect-timeout", connect_timeout, "Socket.IO connect timeout, ms")->capture_default_str();
    std::string store_kind = "none";
    std::string data_dir;
    std::string durability = "batch";
    std::size_t max_events = ferry::retention_policy{}.max_events;
    long long max_disconnection = options.recovery.max_disconnection_duration.count();
    app.add_option("--store", store_kind, "event log and sessions: none, memory or sqlite")
        ->check(CLI::IsMember({"none", "memory", "sqlite"}))
        ->capture_default_str();
    app.add_option("--data-dir", data_dir, "sqlite: directory of events.sqlite and sessions.sqlite");
    app.add_option("--durability", durability, "sqlite: batch or sync")
        ->check(CLI::IsMember({"batch", "sync"}))
        ->capture_default_str();
    app.add_option("--max-events", max_events, "retention: events kept per room")->capture_default_str();
    app.add_option("--max-disconnection", max_disconnection, "recovery window, ms")->capture_default_str();
    app.add_option("--max-outbound", options.engine.max_outbound_bytes, "outbound budget per connection, bytes")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    options.recovery.max_disconnection_duration = std::chrono::milliseconds(max_disconnection);
    options.engine.ping_interval = std::chrono::milliseconds(ping_interval);
    options.engine.ping_timeout = std::chrono::milliseconds(ping_timeout);
    options.connect_timeout = std::chrono::milliseconds(connect_timeout);

    try {
        ferry::retention_policy retention;
        retention.max_events = max_events;
        if (store_kind == "memory") {
            options.store = ferry::make_memory_store(retention);
            options.sessions = ferry::make_memory_session_store({}, options.recovery.max_disconnection_duration);
        } else if (store_kind == "sqlite") {
            if (data_dir.empty()) throw std::runtime_error("--store sqlite needs --data-dir");
            std::filesystem::create_directories(data_dir);
            ferry::sqlite_options sq;
            sq.path = (std::filesystem::path(data_dir) / "events.sqlite").string();
            sq.mode = durability == "sync" ? ferry::durability::sync : ferry::durability::batch;
            sq.retention = retention;
            options.store = ferry::make_sqlite_store(std::move(sq));
            options.sessions = ferry::make_sqlite_session_store(
                (std::filesystem::path(data_dir) / "sessions.sqlite").string(), {},
                options.recovery.max_disconnection_duration);
        }
        // Kept here too, to flush them once the server has stopped.
        auto store = options.store;
        auto sessions = options.sessions;

        ferry::server io(std::move(options));

        auto main_nsp = io.of("/");
        main_nsp.on_connection([main_nsp, &io](ferry::socket_ptr s) {
            install_behaviours(s, main_nsp);
            join_auth_rooms(s);
            // `stats` acks the server's counters (server::stats()).
            s->on("stats", [&io](ferry::event& e) {
                const auto st = io.stats();
                e.ack(json::object{{"slowConsumerCuts", st.slow_consumer_cuts},
                                   {"recoveries", st.recoveries},
                                   {"recoveryGaps", st.recovery_gaps}});
            });
        });

        auto chat = io.of("/chat");
        chat.on_connection([chat](ferry::socket_ptr s) { install_behaviours(s, chat); });

        auto guarded = io.of("/guarded");
        guarded.use([](ferry::socket& s, ferry::middleware_next next) {
            if (has_secret_token(s.handshake().auth)) return next();
            next(ferry::connect_error{"unauthorized", json::object{{"code", 401}}});
        });
        guarded.on_connection([guarded](ferry::socket_ptr s) { install_behaviours(s, guarded); });

        auto dynamic = io.of(std::regex(R"(^/dyn-\d+$)"));
        dynamic.on_connection([](ferry::socket_ptr s) {
            std::weak_ptr<ferry::socket> weak = s;
            s->on("echo", [weak](ferry::event& e) {
                if (auto self = weak.lock()) self->emit_args("echo", e.args);
            });
            s->on("echo-ack", [](ferry::event& e) { e.ack(e.args); });
            s->emit("hello", s->nsp());
        });

        // Signals are handled on the main thread's own io_context: the handler
        // only asks the server to stop; ferry's workers never see it.
        boost::asio::io_context signals_context;
        boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (!ec) io.stop();
        });

        const auto bound = io.listen(host, port);
        io.start();
        std::cout << "listening " << bound << std::endl;  // endl flushes: the harness waits for this line

        signals_context.run();
        io.join();
        // Every accepted publish and session change is committed before exit 0;
        // the destructors (after io's) then mark the files clean.
        if (store) store->flush();
        if (sessions) sessions->flush();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "fixture_server: " << e.what() << std::endl;
        return 1;
    }
}
