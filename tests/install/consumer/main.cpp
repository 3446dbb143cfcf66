// Starts a ferry::server with a SQLite event log from the installed library,
// performs one Engine.IO handshake against it over TCP, and stops. Exit 0 and
// "consumer: ok" when the installed headers, libraries and their dependencies
// work together.

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <filesystem>
#include <iostream>
#include <string>

#include <unistd.h>

int main() {
    namespace asio = boost::asio;
    const auto dir = std::filesystem::temp_directory_path() / ("ferry-consumer-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    int status = 1;
    {
        ferry::server_options options;
        options.workers = 1;
        ferry::sqlite_options sqlite;
        sqlite.path = (dir / "events.sqlite").string();
        options.store = ferry::make_sqlite_store(sqlite);
        ferry::server io(std::move(options));
        io.on_connection([](ferry::socket_ptr socket) { socket->join("lobby"); });
        const auto port = io.listen("127.0.0.1", 0);
        io.start();

        asio::io_context context;
        asio::ip::tcp::socket socket(context);
        socket.connect({asio::ip::make_address("127.0.0.1"), port});
        const std::string request =
            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        asio::write(socket, asio::buffer(request));
        std::string response;
        boost::system::error_code ec;
        asio::read(socket, asio::dynamic_buffer(response), ec);  // until the server closes

        if (response.starts_with("HTTP/1.1 200") && response.find("\r\n\r\n0{\"sid\":") != std::string::npos) {
            std::cout << "consumer: ok (port " << port << ", " << io.stats().accept_pauses << " accept pauses)\n";
            status = 0;
        } else {
            std::cerr << "consumer: unexpected handshake answer:\n" << response << "\n";
        }
        io.stop();
        io.join();
    }
    std::filesystem::remove_all(dir);
    return status;
}
