// A chat server in a few lines: clients join rooms, messages go to everyone
// else in the room, and every message is acknowledged.
//
//   build/chat 3001     then connect socket.io-client to http://127.0.0.1:3001

#include <ferry/server.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 3001);
    ferry::server io;
    io.on_connection([](ferry::socket_ptr socket) {
        socket->on("join", [socket](ferry::event& e) {
            socket->join(std::string(e.args.values.at(0).as_string()));
            e.ack(true);
        });
        socket->on("say", [socket](ferry::event& e) {
            const std::string room(e.args.values.at(0).as_string());
            socket->to(room).emit("said", socket->id(), e.args.values.at(1));
            e.ack("delivered");
        });
    });
    io.listen("127.0.0.1", port);
    std::cout << "chat on http://127.0.0.1:" << port << std::endl;
    io.run();
}
