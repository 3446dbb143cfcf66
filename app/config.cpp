#include "config.hpp"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry::app {
namespace {

// One option, declared once: its flag, environment variable and TOML key are
// derived from the name, and `from_toml` applies a file value when neither the
// flag nor the environment set it.
struct option_binding {
    CLI::Option* option;
    std::string env;
    std::string key;
    std::function<bool(const toml::node&)> from_toml;
};

std::string env_name(const std::string& name) {
    std::string env = "FERRY_";
    for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return env;
}

std::string key_name(const std::string& name) {
    std::string key = name;
    for (char& c : key) c = c == '-' ? '_' : c;
    return key;
}

template <class T>
std::function<bool(const toml::node&)> toml_setter(T& target) {
    return [&target](const toml::node& node) {
        if constexpr (std::is_same_v<T, std::string>) {
            if (auto v = node.value<std::string>()) return target = *v, true;
        } else if constexpr (std::is_same_v<T, bool>) {
            if (auto v = node.value<bool>()) return target = *v, true;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            if (const auto* arr = node.as_array()) {
                target.clear();
                for (const auto& item : *arr) {
                    auto v = item.value<std::string>();
                    if (!v) return false;
                    target.push_back(*v);
                }
                return true;
            }
            if (auto v = node.value<std::string>()) return target = {*v}, true;
        } else {
            if (auto v = node.value<std::int64_t>(); v && *v >= 0) return target = static_cast<T>(*v), true;
        }
        return false;
    };
}

class options_table {
public:
    explicit options_table(CLI::App& app) : app_(app) {}

    template <class T>
    void add(const std::string& name, T& target, const std::string& help) {
        auto* opt = app_.add_option("--" + name, target, help)->envname(env_name(name));
        // A flag given twice takes its last value (`make run FERRY_ARGS=--port 4000`).
        if constexpr (!std::is_same_v<T, std::vector<std::string>>) {
            opt->capture_default_str()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        }
        bindings_.push_back({opt, env_name(name), key_name(name), toml_setter(target)});
    }

    void add_flag(const std::string& name, bool& target, const std::string& help) {
        auto* opt = app_.add_flag("--" + name, target, help)->envname(env_name(name));
        bindings_.push_back({opt, env_name(name), key_name(name), toml_setter(target)});
    }

    // Values from the file fill in what flags and environment left unset.
    void apply_file(const std::string& path) {
        toml::table table = toml::parse_file(path);
        for (auto&& [key, node] : table) {
            const std::string k(key.str());
            auto it = std::find_if(bindings_.begin(), bindings_.end(), [&k](const auto& b) { return b.key == k; });
            if (it == bindings_.end()) throw std::runtime_error(path + ": unknown key '" + k + "'");
            if (it->option->count() > 0 || std::getenv(it->env.c_str()) != nullptr) continue;
            if (!it->from_toml(node)) throw std::runtime_error(path + ": bad value for '" + k + "'");
        }
    }

private:
    CLI::App& app_;
    std::vector<option_binding> bindings_;
};

}  // namespace

parse_outcome parse_config(int argc, char** argv) {
    daemon_config c;
    CLI::App app{"ferry — a Socket.IO and Server-Sent Events server that never loses an event"};
    app.set_version_flag("--version", std::string("ferry ") + FERRY_VERSION);
    app.add_option("--config", c.config_file, "TOML configuration file (see ferry.example.toml)")
        ->envname("FERRY_CONFIG");
    options_table t(app);
    t.add("host", c.host, "address to listen on");
    t.add("port", c.port, "port to listen on");
    t.add("data-dir", c.data_dir, "directory of the SQLite event log and session records");
    t.add("store", c.store, "event log: sqlite or memory");
    t.add("durability", c.durability, "sqlite: sync (acknowledged after fsync) or batch (grouped commits)");
    t.add("batch-interval", c.batch_interval_ms, "batch durability: a small group of appends waits at most N ms for company before its commit");
    t.add("workers", c.workers, "worker threads (0 = one per core)");
    t.add("path", c.path, "Engine.IO path");
    t.add("ping-interval", c.ping_interval_ms, "Engine.IO ping interval, ms");
    t.add("ping-timeout", c.ping_timeout_ms, "Engine.IO ping timeout, ms");
    t.add("max-payload", c.max_payload, "largest packet or polling payload, bytes");
    t.add("connect-timeout", c.connect_timeout_ms, "time to send the Socket.IO CONNECT, ms");
    t.add("max-outbound", c.max_outbound_bytes, "outbound bytes queued per client before it is cut");
    t.add("cors-origin", c.cors_origins, "allowed CORS origin (repeatable, * for any)");
    t.add("namespace", c.namespaces, "a namespace served besides / (repeatable), e.g. /chat");
    t.add_flag("deflate", c.deflate, "accept permessage-deflate on WebSocket");
    t.add("max-events", c.max_events, "retention: events kept per room");
    t.add("max-age", c.max_age_s, "retention: seconds an event is kept");
    t.add("idle-room", c.idle_room_s, "retention: seconds before an idle room is forgotten");
    t.add("max-disconnection", c.max_disconnection_ms, "ms after a disconnect a session can be recovered");
    t.add("sse-heartbeat", c.sse_heartbeat_ms, "SSE: a comment line every N ms (0 = none)");
    t.add("sse-retry", c.sse_retry_ms, "SSE: the reconnection delay sent to clients, ms");
    t.add("api-max-body", c.api_max_body, "HTTP API: largest request body, bytes (larger: 413)");
    t.add("log-level", c.log_level, "trace, debug, info, warn, error");
    t.add("log-format", c.log_format, "text or json");

    try {
        app.parse(argc, argv);
        if (!c.config_file.empty()) t.apply_file(c.config_file);
        if (c.store != "sqlite" && c.store != "memory") throw std::runtime_error("--store must be sqlite or memory");
        if (c.durability != "sync" && c.durability != "batch") {
            throw std::runtime_error("--durability must be sync or batch");
        }
        if (c.log_format != "text" && c.log_format != "json") throw std::runtime_error("--log-format must be text or json");
        if (c.path.empty() || c.path.front() != '/') throw std::runtime_error("--path must start with /");
        if (c.path.back() != '/') c.path += '/';
        for (const auto& n : c.namespaces) {
            if (n.size() < 2 || n.front() != '/' || n.find(',') != std::string::npos) {
                throw std::runtime_error("--namespace must look like /name (no comma): '" + n + "'");
            }
        }
    } catch (const CLI::ParseError& e) {
        return {std::nullopt, app.exit(e)};
    } catch (const toml::parse_error& e) {
        std::cerr << "ferry: " << c.config_file << ": " << e.description() << " (line " << e.source().begin.line
                  << ")\n";
        return {std::nullopt, 2};
    } catch (const std::exception& e) {
        std::cerr << "ferry: " << e.what() << "\n";
        return {std::nullopt, 2};
    }
    return {c, 0};
}

server_options to_server_options(const daemon_config& c) {
    server_options o;
    o.workers = c.workers;
    o.engine.path = c.path;
    o.engine.ping_interval = std::chrono::milliseconds(c.ping_interval_ms);
    o.engine.ping_timeout = std::chrono::milliseconds(c.ping_timeout_ms);
    o.engine.max_payload = c.max_payload;
    o.engine.max_http_body = c.api_max_body;
    o.engine.max_outbound_bytes = c.max_outbound_bytes;
    o.engine.cors.origins = c.cors_origins;
    o.engine.per_message_deflate.enabled = c.deflate;
    o.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
    o.recovery.max_disconnection_duration = std::chrono::milliseconds(c.max_disconnection_ms);
    return o;
}

}  // namespace ferry::app
