#pragma once
// The daemon's configuration: defaults < TOML file (--config) < FERRY_*
// environment variables < command-line flags. Every option has all three
// spellings: `--ping-interval`, `FERRY_PING_INTERVAL`, `ping_interval`.

#include <ferry/options.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ferry::app {

struct daemon_config {
    std::string config_file;
    std::string host = "127.0.0.1";
    unsigned short port = 3000;
    std::string data_dir = "./data";
    std::string store = "sqlite";       ///< sqlite | memory
    std::string durability = "batch";   ///< sync | batch
    unsigned batch_interval_ms = 5;
    unsigned workers = 0;
    unsigned ping_interval_ms = 25000;
    unsigned ping_timeout_ms = 20000;
    std::size_t max_payload = 1'000'000;
    unsigned connect_timeout_ms = 45000;
    std::size_t max_outbound_bytes = 1u << 20;
    std::vector<std::string> cors_origins;
    /// Namespaces served besides "/" (each with the room protocol and the HTTP API).
    std::vector<std::string> namespaces;
    bool deflate = false;
    std::string path = "/socket.io/";
    // Retention and recovery.
    std::size_t max_events = 1000;
    unsigned max_age_s = 24 * 3600;
    unsigned idle_room_s = 7 * 24 * 3600;
    unsigned max_disconnection_ms = 120000;
    // Server-Sent Events (docs/sse.md).
    unsigned sse_heartbeat_ms = 15000;
    unsigned sse_retry_ms = 3000;
    // HTTP API (docs/http-api.md).
    std::size_t api_max_body = 1u << 20;
    // Logging.
    std::string log_level = "info";
    std::string log_format = "text";  ///< text | json
};

/// What parsing the command line decided.
struct parse_outcome {
    std::optional<daemon_config> config;  ///< set when the daemon should run
    int exit_code = 0;                    ///< otherwise: exit with this (help, version, error)
};

/// Parses flags, environment and the config file. Prints help, version or one
/// clear error line itself.
parse_outcome parse_config(int argc, char** argv);

/// The library options this configuration asks for (store not included).
server_options to_server_options(const daemon_config& c);

}  // namespace ferry::app
