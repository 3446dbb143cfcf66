// A chat whose clients never miss a message: every message goes through the
// event log, and a client that drops (or whose server restarts) gets what it
// missed when it reconnects, with `socket.recovered === true`.
//
//   build/durable_chat 3002 [chat.sqlite]     (no file: the log lives in memory)

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>
#include <ferry/session_store.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 3002);
    ferry::server_options options;
    if (argc > 2) {
        const std::string file = argv[2];
        options.store = ferry::make_sqlite_store({.path = file});
        options.sessions = ferry::make_sqlite_session_store(file + ".sessions");
    } else {
        options.store = ferry::make_memory_store();
    }
    ferry::server io(std::move(options));
    io.on_connection([&io](ferry::socket_ptr socket) {
        if (!socket->recovered()) socket->join("lobby");
        socket->on("say", [&io](ferry::event& e) {
            // Stored first, then delivered with its offset as last argument.
            io.to("lobby").publish("said", e.args, [ack = e.ack](ferry::result<std::string> offset) {
                if (offset) ack(boost::json::object{{"ok", true}, {"offset", *offset}});
                else ack(boost::json::object{{"ok", false}});
            });
        });
    });
    io.listen("127.0.0.1", port);
    std::cout << "durable chat on http://127.0.0.1:" << port << std::endl;
    io.run();
}
