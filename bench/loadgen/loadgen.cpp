// loadgen — the load generator of ferry's benchmark (issue 5).
//
// One epoll loop per thread (default one per core), each owning a share of
// the client connections. It speaks just enough of each protocol to count
// what arrives and to keep the connections alive:
//   sio  Engine.IO v4 + Socket.IO v5 over WebSocket (answers pings, keeps the
//        `pid` and the last offset, and reconnects with them when asked);
//   ws   plain WebSocket (the raw ceiling server, Nchan's websocket endpoint);
//   sse  EventSource-style GET text/event-stream (chunked or not), with
//        Last-Event-ID on reconnect.
// and publishes over HTTP/1.1 keep-alive: the message as the raw body
// (ferry_bench_server, the Node peer, Nchan), or wrapped in the JSON of the
// daemon's `POST /api/emit` (--emit-room).
//
// Modes: subscribe (fan-out and latency), idle (connect rate, memory),
// publish, and recover: connect, publish one message (so every client has a
// resume point), cut every connection with a TCP reset, publish while they
// are away, reconnect them all with their resume point, and time until every
// client holds every message, each exactly once.
//
// Every published message carries `@@<seq>:<send time, steady clock ns>:`
// followed by padding; receivers find the marker in whatever framing the
// server wrapped it in, so one parser serves every server. Each client keeps
// a bitmap of the sequences it got: loss and duplicates are exact whatever
// the order of arrival.
//
// The receive path allocates nothing per message: reads go into one buffer
// per thread, a partial frame is kept in the connection's carry buffer
// (which only grows to its high-water mark), latencies go into a fixed
// log-linear histogram.
//
// Deliberately not here: TLS, fragmented messages (counted as their first
// frame), permessage-deflate, long-polling.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// Time and small helpers

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

double seconds_between(std::uint64_t a, std::uint64_t b) { return b > a ? static_cast<double>(b - a) / 1e9 : 0.0; }

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "loadgen: %s\n", what.c_str());
    std::exit(2);
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

std::string json_escape(const std::string& s) {
    std::string o;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') o += '\\';
        if (static_cast<unsigned char>(ch) >= 0x20) o += ch;
    }
    return o;
}

// Finds a header's value in an HTTP head (case-insensitive name); empty when absent.
std::string_view header_value(std::string_view head, std::string_view name) {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const std::string_view line = head.substr(start, end == std::string_view::npos ? head.size() - start : end - start);
        if (iequals_prefix(line, name) && line.size() > name.size() && line[name.size()] == ':') {
            std::string_view v = line.substr(name.size() + 1);
            while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
            return v;
        }
        pos = end;
    }
    return {};
}

int status_code(std::string_view head) {
    // "HTTP/1.1 101 Switching Protocols"
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return 0;
    const std::size_t sp = head.find(' ');
    if (sp == std::string_view::npos || sp + 4 > head.size()) return 0;
    return std::atoi(std::string(head.substr(sp + 1, 3)).c_str());
}

// ---------------------------------------------------------------------------
// URL: http://host:port/path?query (IPv4 or a name resolved once)

struct url {
    std::string host;
    unsigned short port = 80;
    std::string path = "/";
    std::string query;
    sockaddr_in addr{};

    std::string target() const { return query.empty() ? path : path + "?" + query; }
};

url parse_url(const std::string& text) {
    url u;
    std::string_view s = text;
    if (s.substr(0, 7) == "http://") s.remove_prefix(7);
    else if (s.substr(0, 5) == "ws://") s.remove_prefix(5);
    else die("only http:// and ws:// URLs: " + text);
    const std::size_t slash = s.find('/');
    std::string_view authority = s.substr(0, slash);
    std::string_view rest = slash == std::string_view::npos ? std::string_view("/") : s.substr(slash);
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
        u.host = std::string(authority.substr(0, colon));
        u.port = static_cast<unsigned short>(std::atoi(std::string(authority.substr(colon + 1)).c_str()));
    } else {
        u.host = std::string(authority);
    }
    const std::size_t q = rest.find('?');
    u.path = std::string(rest.substr(0, q));
    if (q != std::string_view::npos) u.query = std::string(rest.substr(q + 1));
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(u.host.c_str(), nullptr, &hints, &res) != 0 || !res) die("cannot resolve " + u.host);
    std::memcpy(&u.addr, res->ai_addr, sizeof(sockaddr_in));
    u.addr.sin_port = htons(u.port);
    freeaddrinfo(res);
    return u;
}

// ---------------------------------------------------------------------------
// Latency histogram: log-linear buckets (16 per power of two, ~6% precision),
// fixed size, so recording never allocates.

class histogram {
public:
    static constexpr std::size_t buckets = 32 + 60 * 16;

    void record(std::uint64_t v) {
        ++counts_[index(v)];
        ++total_;
        max_ = std::max(max_, v);
    }
    void merge(const histogram& o) {
        for (std::size_t i = 0; i < buckets; ++i) counts_[i] += o.counts_[i];
        total_ += o.total_;
        max_ = std::max(max_, o.max_);
    }
    std::uint64_t count() const { return total_; }
    std::uint64_t max() const { return max_; }
    std::uint64_t percentile(double p) const {
        if (total_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(total_ - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets; ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::min(middle(i), max_);
        }
        return max_;
    }

private:
    static std::size_t index(std::uint64_t v) {
        if (v < 32) return static_cast<std::size_t>(v);
        const int msb = 63 - __builtin_clzll(v);
        const std::size_t i = 32 + static_cast<std::size_t>(msb - 5) * 16 + ((v >> (msb - 4)) & 15);
        return std::min(i, buckets - 1);
    }
    static std::uint64_t middle(std::size_t i) {
        if (i < 32) return i;
        const std::size_t msb = (i - 32) / 16 + 5;
        const std::uint64_t sub = (i - 32) % 16;
        const std::uint64_t low = (16 + sub) << (msb - 4);
        return low + ((std::uint64_t{1} << (msb - 4)) >> 1);
    }

    std::array<std::uint64_t, buckets> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

// ---------------------------------------------------------------------------
// Server process sampling (/proc), for CPU per delivery and RSS per connection.

struct proc_sample {
    std::uint64_t cpu_us = 0;  // utime + stime of every listed process
    std::uint64_t rss_kib = 0;  // VmRSS of every listed process
};

proc_sample sample_procs(const std::vector<int>& pids) {
    proc_sample s;
    static const long ticks = sysconf(_SC_CLK_TCK);
    for (int pid : pids) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (std::getline(stat, line)) {
            // Fields after the ")" that closes the command name; utime, stime are fields 14, 15.
            const std::size_t close = line.rfind(')');
            std::istringstream in(line.substr(close + 2));
            std::string field;
            std::uint64_t utime = 0, stime = 0;
            for (int i = 3; i <= 15 && in >> field; ++i) {
                if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
                if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
            }
            s.cpu_us += (utime + stime) * 1'000'000 / static_cast<std::uint64_t>(ticks);
        }
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        while (std::getline(status, line)) {
            if (line.rfind("VmRSS:", 0) == 0) s.rss_kib += std::strtoull(line.c_str() + 6, nullptr, 10);
        }
    }
    return s;
}

// ---------------------------------------------------------------------------
// Configuration

enum class proto { sio, ws, sse };

struct config {
    std::string mode = "subscribe";  // subscribe | idle | publish | recover
    proto protocol = proto::sio;
    url target;
    bool has_target = false;
    unsigned clients = 1000;
    unsigned threads = 0;
    unsigned concurrency = 64;  // connection attempts in flight per thread
    std::uint64_t messages = 2000;
    url publish_target;
    bool has_publish = false;
    double rate = 0;  // messages/s, 0 = as fast as possible
    unsigned window = 1;  // pipelined publish requests in flight
    std::size_t size = 100;  // message body bytes
    std::vector<int> pids;
    double timeout_s = 120;
    double stall_s = 10;  // subscribe: give up after this long without a delivery
    double settle_s = 2;  // idle: wait before sampling RSS; recover: wait for late duplicates
    double cut_pause_s = 0.5;  // recover: between the cut and the publishing, so the server sees every drop
    bool reconnect = false;
    std::string emit_room;  // non-empty: publish as the daemon's POST /api/emit JSON to this room
    std::string label;

    // Sequences published: recover adds the one message sent before the cut.
    std::uint64_t sequences() const { return messages + (mode == "recover" ? 1 : 0); }
};

// ---------------------------------------------------------------------------
// Publisher: HTTP/1.1 keep-alive POSTs, `window` in flight (pipelined). The
// body is the stamped message, or with --emit-room the daemon's
// {"room":R,"event":"m","data":"<message>"}.

struct publish_result {
    std::uint64_t sent = 0;
    std::uint64_t errors = 0;
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
};

class publisher {
public:
    explicit publisher(const config& cfg) : cfg_(cfg), u_(cfg.publish_target) {}

    // Publishes sequences [first, first + count).
    publish_result run(const std::atomic<bool>& stop, std::uint64_t first, std::uint64_t count) {
        publish_result r;
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) die("publisher socket");
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd_, reinterpret_cast<const sockaddr*>(&u_.addr), sizeof u_.addr) != 0)
            die("publisher cannot connect to " + u_.host + ":" + std::to_string(u_.port));
        const bool emit = !cfg_.emit_room.empty();
        const std::string prefix = emit ? "{\"room\":\"" + json_escape(cfg_.emit_room) + "\",\"event\":\"m\",\"data\":\"" : "";
        const std::string suffix = emit ? "\"}" : "";
        const std::string head = "POST " + u_.target() + " HTTP/1.1\r\nHost: " + u_.host + ":" +
                                 std::to_string(u_.port) + "\r\nContent-Type: " +
                                 (emit ? "application/json" : "text/plain") +
                                 "\r\nContent-Length: " + std::to_string(prefix.size() + cfg_.size + suffix.size()) +
                                 "\r\n\r\n";
        std::string request = head + prefix + std::string(cfg_.size, 'x') + suffix;
        char* body = request.data() + head.size() + prefix.size();
        const std::uint64_t window = std::max(1u, cfg_.window);
        std::uint64_t in_flight = 0;
        r.start_ns = now_ns();
        for (std::uint64_t i = 0; i < count && !stop.load(std::memory_order_relaxed); ++i) {
            const std::uint64_t seq = first + i;
            if (cfg_.rate > 0) {
                const auto due = r.start_ns + static_cast<std::uint64_t>(static_cast<double>(i) * 1e9 / cfg_.rate);
                for (std::uint64_t t = now_ns(); t < due; t = now_ns()) {
                    const std::uint64_t wait = due - t;
                    if (wait > 200'000) std::this_thread::sleep_for(std::chrono::nanoseconds(wait - 100'000));
                }
            }
            while (in_flight >= window) {
                if (!read_response(r)) return finish(r);
                --in_flight;
            }
            char stamp[64];
            const int n = std::snprintf(stamp, sizeof stamp, "@@%010" PRIu64 ":%020" PRIu64 ":", seq, now_ns());
            std::memcpy(body, stamp, std::min<std::size_t>(static_cast<std::size_t>(n), cfg_.size));
            if (!write_all(request)) return finish(r);
            ++in_flight;
            ++r.sent;
        }
        while (in_flight > 0 && read_response(r)) --in_flight;
        return finish(r);
    }

private:
    publish_result finish(publish_result& r) {
        r.end_ns = now_ns();
        close(fd_);
        return r;
    }

    bool write_all(const std::string& s) {
        std::size_t done = 0;
        while (done < s.size()) {
            const ssize_t n = ::send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                return false;
            }
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    bool fill() {
        char tmp[16384];
        const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf_.append(tmp, static_cast<std::size_t>(n));
        return true;
    }

    // Reads one response (Content-Length or chunked body); counts non-2xx as errors.
    bool read_response(publish_result& r) {
        std::size_t end;
        while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return false;
        const std::string_view head(buf_.data(), end);
        const int status = status_code(head);
        if (status < 200 || status >= 300) ++r.errors;
        std::size_t consumed = end + 4;
        const std::string_view te = header_value(head, "transfer-encoding");
        if (!te.empty() && te.find("chunked") != std::string_view::npos) {
            std::size_t term;
            while ((term = buf_.find("0\r\n\r\n", consumed)) == std::string::npos)
                if (!fill()) return false;
            consumed = term + 5;
        } else {
            const std::string_view cl = header_value(head, "content-length");
            consumed += cl.empty() ? 0 : std::strtoull(std::string(cl).c_str(), nullptr, 10);
            while (buf_.size() < consumed)
                if (!fill()) return false;
        }
        buf_.erase(0, consumed);
        return true;
    }

    const config& cfg_;
    url u_;
    int fd_ = -1;
    std::string buf_;
};

// ---------------------------------------------------------------------------
// Client connections, one epoll loop per thread.

enum class state : std::uint8_t { idle, connecting, handshaking, eio_open, sio_connecting, ready, closed };

struct connection {
    int fd = -1;
    state st = state::idle;
    bool counted_connected = false;
    bool chunked = false;       // SSE over chunked transfer encoding
    std::uint64_t chunk_left = 0;  // bytes left in the current chunk
    std::uint8_t chunk_state = 0;  // 0 size line, 1 data, 2 CRLF after data
    std::uint32_t mask = 0x12345678;
    std::string carry;  // unparsed bytes (a partial frame / line); reserved, reused
    std::string out;    // bytes not yet written
    std::uint64_t* seen = nullptr;  // bitmap of received sequences
    std::uint64_t received = 0;
    std::uint64_t unique = 0;
    std::uint64_t duplicates = 0;
    char sid[64] = {};     // Socket.IO: the session id (a recovered session keeps it)
    char pid[64] = {};     // Socket.IO recovery: private session id
    char offset[64] = {};  // Socket.IO recovery: offset of the last event
    char last_id[64] = {};  // SSE: the last `id:`
};

struct alignas(64) thread_counters {
    std::atomic<std::uint64_t> connected{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> last_receive_ns{0};
    std::atomic<std::uint64_t> closed_by_server{0};
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::uint64_t> all_connected_ns{0};
    // recover mode
    std::atomic<std::uint64_t> complete{0};  // clients holding every sequence
    std::atomic<std::uint64_t> last_complete_ns{0};
    std::atomic<std::uint64_t> reconnected{0};  // ready again after a cut or a server close
    std::atomic<std::uint64_t> recovered{0};  // Socket.IO: the CONNECT ack gave back the same sid
    std::atomic<std::uint64_t> all_reconnected_ns{0};
    std::atomic<bool> cut_done{false};
};

class worker {
public:
    // Orders from the main thread, applied by the worker's loop (it owns the connections).
    enum command : int { none = 0, cut = 1, reconnect_all = 2 };

    worker(const config& cfg, unsigned first, unsigned count)
        : cfg_(cfg),
          first_(first),
          conns_(count),
          sequences_(cfg.sequences()),
          words_((sequences_ + 63) / 64),
          bitmap_(count * words_, 0) {
        epfd_ = epoll_create1(EPOLL_CLOEXEC);
        if (epfd_ < 0) die("epoll_create1");
        for (unsigned i = 0; i < count; ++i) {
            conns_[i].seen = bitmap_.data() + static_cast<std::size_t>(i) * words_;
            conns_[i].mask = 0x9e3779b9u * (first + i + 1);
            conns_[i].carry.reserve(1024);
        }
        rbuf_.resize(1 << 16);
        build_requests();
    }
    ~worker() { close(epfd_); }

    void start() { thread_ = std::thread([this] { run(); }); }
    void join() { thread_.join(); }
    void stop() { stop_.store(true); }
    void order(command c) { command_.store(c, std::memory_order_release); }
    thread_counters& counters() { return ctr_; }
    const histogram& latency() const { return hist_; }

    struct totals {
        std::uint64_t unique = 0, duplicates = 0, received = 0, lost = 0, connected = 0;
    };
    // Call after join().
    totals sum(std::uint64_t expected_per_client) const {
        totals t;
        for (const auto& c : conns_) {
            if (!c.counted_connected) continue;
            ++t.connected;
            t.unique += c.unique;
            t.duplicates += c.duplicates;
            t.received += c.received;
            t.lost += expected_per_client > c.unique ? expected_per_client - c.unique : 0;
        }
        return t;
    }

private:
    void build_requests() {
        const url& u = cfg_.target;
        std::string target;
        if (cfg_.protocol == proto::sio) {
            target = u.path + "?EIO=4&transport=websocket" + (u.query.empty() ? "" : "&" + u.query);
        } else {
            target = u.target();
        }
        const std::string host = "Host: " + u.host + ":" + std::to_string(u.port) + "\r\n";
        if (cfg_.protocol == proto::sse) {
            request_ = "GET " + target + " HTTP/1.1\r\n" + host + "Accept: text/event-stream\r\nCache-Control: no-cache\r\n";
        } else {
            request_ = "GET " + target + " HTTP/1.1\r\n" + host +
                       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        }
    }

    void run() {
        std::array<epoll_event, 256> events;
        unsigned next = 0;
        unsigned in_flight = 0;
        int applied = none;
        bool reconnecting = false;
        while (!stop_.load(std::memory_order_relaxed)) {
            const int ordered = command_.load(std::memory_order_acquire);
            if (ordered != applied) {
                applied = ordered;
                if (ordered == cut) {
                    cut_all();
                    in_flight = 0;
                    ctr_.cut_done.store(true);
                } else if (ordered == reconnect_all) {
                    next = 0;
                    in_flight = 0;
                    reconnecting = true;
                }
            }
            while (next < conns_.size() && in_flight < cfg_.concurrency) {
                connection& c = conns_[next++];
                // A reconnect brings back the clients that were connected, with their resume points.
                if (reconnecting && !c.counted_connected) continue;
                if (open(c)) ++in_flight;
            }
            const int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 5);
            for (int i = 0; i < n; ++i) {
                connection& c = conns_[events[static_cast<std::size_t>(i)].data.u32];
                const state before = c.st;
                handle(c, events[static_cast<std::size_t>(i)].events);
                const bool was_pending = before != state::ready && before != state::closed;
                const bool now_pending = c.st != state::ready && c.st != state::closed;
                if (was_pending && !now_pending && in_flight > 0) --in_flight;
            }
            for (std::uint32_t index : reconnect_) {
                ctr_.reconnects.fetch_add(1, std::memory_order_relaxed);
                open(conns_[index]);
            }
            reconnect_.clear();
            if (next == conns_.size() && in_flight == 0) {
                auto& done = reconnecting ? ctr_.all_reconnected_ns : ctr_.all_connected_ns;
                if (done.load() == 0) done.store(now_ns());
            }
        }
        // Reset instead of FIN: no TIME_WAIT left behind between runs.
        for (auto& c : conns_) reset(c);
    }

    // Closes with a TCP reset (SO_LINGER 0): no FIN, no close frame, no TIME_WAIT.
    static void reset(connection& c) {
        if (c.fd < 0) return;
        linger l{1, 0};
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close(c.fd);
        c.fd = -1;
    }

    // Drops every connection with a TCP reset (SO_LINGER 0, no close frame):
    // the server sees a transport failure, as when a network goes away, not a
    // client that says goodbye. Resume points and bitmaps are kept.
    void cut_all() {
        for (auto& c : conns_) {
            if (c.fd < 0) continue;
            reset(c);
            c.st = state::closed;
        }
        reconnect_.clear();
    }

    bool open(connection& c) {
        c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) {
            fail(c);
            return false;
        }
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int r = connect(c.fd, reinterpret_cast<const sockaddr*>(&cfg_.target.addr), sizeof cfg_.target.addr);
        if (r != 0 && errno != EINPROGRESS) {
            fail(c);
            return false;
        }
        c.st = state::connecting;
        c.carry.clear();
        c.out.clear();
        c.chunked = false;
        c.chunk_state = 0;
        sse_rest_[&c - conns_.data()].clear();
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
        epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
        return true;
    }

    void fail(connection& c) {
        if (c.fd >= 0) close(c.fd);
        c.fd = -1;
        const bool was_ready = c.st == state::ready;
        c.st = state::closed;
        if (!c.counted_connected) ctr_.failed.fetch_add(1, std::memory_order_relaxed);
        else if (was_ready) ctr_.closed_by_server.fetch_add(1, std::memory_order_relaxed);
    }

    // A connection the server closed: reconnect with recovery data when asked
    // (from the loop, once the handler that noticed it has returned).
    void lost(connection& c) {
        const bool was_ready = c.st == state::ready;
        fail(c);
        if (was_ready && cfg_.reconnect && !stop_.load()) reconnect_.push_back(static_cast<std::uint32_t>(&c - conns_.data()));
    }

    void mark_ready(connection& c) {
        c.st = state::ready;
        if (!c.counted_connected) {
            c.counted_connected = true;
            ctr_.connected.fetch_add(1, std::memory_order_relaxed);
        } else {
            ctr_.reconnected.fetch_add(1, std::memory_order_relaxed);
        }
    }

    void handle(connection& c, std::uint32_t ev) {
        if (c.st == state::connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) return fail(c);
            if (!(ev & EPOLLOUT)) return;
            std::string req = request_;
            if (cfg_.protocol == proto::sse && c.last_id[0]) req += std::string("Last-Event-ID: ") + c.last_id + "\r\n";
            req += "\r\n";
            c.st = state::handshaking;
            epoll_event mod{};
            mod.events = EPOLLIN;
            mod.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
            epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &mod);
            send_bytes(c, req.data(), req.size());
            return;
        }
        if ((ev & EPOLLOUT) && !c.out.empty()) flush(c);
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            const ssize_t n = ::recv(c.fd, rbuf_.data(), rbuf_.size(), 0);
            if (n <= 0) {
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
                return lost(c);
            }
            on_bytes(c, rbuf_.data(), static_cast<std::size_t>(n));
        }
    }

    void send_bytes(connection& c, const char* data, std::size_t len) {
        if (c.out.empty()) {
            const ssize_t n = ::send(c.fd, data, len, MSG_NOSIGNAL);
            if (n == static_cast<ssize_t>(len)) return;
            if (n < 0 && errno != EAGAIN) return;  // the read side will notice
            const std::size_t done = n > 0 ? static_cast<std::size_t>(n) : 0;
            c.out.append(data + done, len - done);
        } else {
            c.out.append(data, len);
        }
        epoll_event mod{};
        mod.events = EPOLLIN | EPOLLOUT;
        mod.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
        epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &mod);
    }

    void flush(connection& c) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) c.out.erase(0, static_cast<std::size_t>(n));
        if (c.out.empty()) {
            epoll_event mod{};
            mod.events = EPOLLIN;
            mod.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
            epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &mod);
        }
    }

    // A masked client frame (RFC 6455 5.3); payloads here are tiny.
    void send_frame(connection& c, std::uint8_t opcode, std::string_view payload) {
        char frame[256];
        if (payload.size() > 125 || payload.size() + 6 > sizeof frame) return;
        frame[0] = static_cast<char>(0x80 | opcode);
        frame[1] = static_cast<char>(0x80 | payload.size());
        c.mask = c.mask * 1664525u + 1013904223u;
        std::memcpy(frame + 2, &c.mask, 4);
        for (std::size_t i = 0; i < payload.size(); ++i) frame[6 + i] = static_cast<char>(payload[i] ^ frame[2 + (i & 3)]);
        send_bytes(c, frame, payload.size() + 6);
    }

    // Feeds received bytes: the carry holds what a previous read left unparsed.
    void on_bytes(connection& c, const char* data, std::size_t len) {
        if (c.carry.empty()) {
            const std::size_t used = parse(c, data, len);
            if (c.fd >= 0 && used < len) c.carry.assign(data + used, len - used);
        } else {
            c.carry.append(data, len);
            const std::size_t used = parse(c, c.carry.data(), c.carry.size());
            if (c.fd >= 0) c.carry.erase(0, used);
        }
    }

    // Returns how many bytes were consumed.
    std::size_t parse(connection& c, const char* data, std::size_t len) {
        std::size_t used = 0;
        if (c.st == state::handshaking) {
            const std::string_view sv(data, len);
            const std::size_t end = sv.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (len > 16384) fail(c);
                return 0;
            }
            const std::string_view head = sv.substr(0, end);
            const int status = status_code(head);
            if (cfg_.protocol == proto::sse) {
                if (status != 200) {
                    fail(c);
                    return len;
                }
                const std::string_view te = header_value(head, "transfer-encoding");
                c.chunked = te.find("chunked") != std::string_view::npos;
                mark_ready(c);
            } else {
                if (status != 101) {
                    fail(c);
                    return len;
                }
                if (cfg_.protocol == proto::ws) mark_ready(c);
                else c.st = state::eio_open;
            }
            used = end + 4;
        }
        if (cfg_.protocol == proto::sse) return used + parse_sse(c, data + used, len - used);
        while (c.fd >= 0) {
            const std::size_t n = parse_frame(c, data + used, len - used);
            if (n == 0) break;
            used += n;
        }
        return used;
    }

    // One WebSocket frame from a server (unmasked); 0 when incomplete.
    std::size_t parse_frame(connection& c, const char* p, std::size_t len) {
        if (len < 2) return 0;
        const auto b0 = static_cast<std::uint8_t>(p[0]);
        const auto b1 = static_cast<std::uint8_t>(p[1]);
        std::size_t header = 2;
        std::uint64_t plen = b1 & 0x7f;
        if (plen == 126) {
            if (len < 4) return 0;
            plen = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[2])) << 8) | static_cast<std::uint8_t>(p[3]);
            header = 4;
        } else if (plen == 127) {
            if (len < 10) return 0;
            plen = 0;
            for (int i = 0; i < 8; ++i) plen = (plen << 8) | static_cast<std::uint8_t>(p[2 + i]);
            header = 10;
        }
        if (b1 & 0x80) header += 4;  // a masked server frame is a violation; skip the key anyway
        if (len < header + plen) return 0;
        const std::string_view payload(p + header, static_cast<std::size_t>(plen));
        switch (b0 & 0x0f) {
        case 0x0:
        case 0x1:
        case 0x2:
            on_text(c, payload);
            break;
        case 0x8:
            lost(c);
            return 0;
        case 0x9:
            send_frame(c, 0xA, payload);
            break;
        default:
            break;
        }
        return header + static_cast<std::size_t>(plen);
    }

    static void copy_field(char (&dst)[64], std::string_view v) {
        const std::size_t n = std::min(v.size(), sizeof dst - 1);
        std::memcpy(dst, v.data(), n);
        dst[n] = 0;
    }

    // The value of "key":"value" in a small JSON object text.
    static std::string_view json_string(std::string_view obj, std::string_view key) {
        char pattern[32];
        const int n = std::snprintf(pattern, sizeof pattern, "\"%.*s\":\"", static_cast<int>(key.size()), key.data());
        const std::size_t at = obj.find(std::string_view(pattern, static_cast<std::size_t>(n)));
        if (at == std::string_view::npos) return {};
        const std::size_t start = at + static_cast<std::size_t>(n);
        const std::size_t end = obj.find('"', start);
        return end == std::string_view::npos ? std::string_view{} : obj.substr(start, end - start);
    }

    void on_text(connection& c, std::string_view m) {
        if (cfg_.protocol == proto::ws) return on_message(c, m);
        if (m.empty()) return;
        switch (m[0]) {
        case '0':  // Engine.IO open: connect to the main namespace (with recovery data if any)
            if (c.st == state::eio_open) {
                c.st = state::sio_connecting;
                if (c.pid[0] && c.offset[0]) {
                    char connect[200];
                    const int n = std::snprintf(connect, sizeof connect, "40{\"pid\":\"%s\",\"offset\":\"%s\"}", c.pid, c.offset);
                    send_frame(c, 0x1, std::string_view(connect, static_cast<std::size_t>(n)));
                } else {
                    send_frame(c, 0x1, "40");
                }
            }
            break;
        case '2':  // ping
            send_frame(c, 0x1, "3");
            break;
        case '1':  // close
            lost(c);
            break;
        case '4':
            if (m.size() < 2) break;
            if (m[1] == '0') {  // CONNECT ack: {"sid":..,"pid":..}
                const std::string_view pid = json_string(m, "pid");
                if (!pid.empty()) copy_field(c.pid, pid);
                const std::string_view sid = json_string(m, "sid");
                if (c.sid[0] && sid == std::string_view(c.sid)) ctr_.recovered.fetch_add(1, std::memory_order_relaxed);
                copy_field(c.sid, sid);
                mark_ready(c);
            } else if (m[1] == '2') {
                on_message(c, m);
                // The offset rides as the last string argument: ...,"<offset>"]
                if (m.size() > 3 && m[m.size() - 1] == ']' && m[m.size() - 2] == '"') {
                    const std::size_t open = m.rfind('"', m.size() - 3);
                    if (open != std::string_view::npos && open > 0 && m[open - 1] == ',')
                        copy_field(c.offset, m.substr(open + 1, m.size() - 3 - open));
                }
            } else if (m[1] == '4') {  // CONNECT_ERROR
                fail(c);
            }
            break;
        default:
            break;
        }
    }

    // SSE: events end with a blank line; `data:` holds the message, `id:` the resume point.
    std::size_t parse_sse(connection& c, const char* p, std::size_t len) {
        if (!c.chunked) return parse_sse_events(c, p, len);
        // De-chunk into the thread's scratch buffer, then parse; an unfinished
        // event is carried as de-chunked text, so the carry is re-chunked: to
        // keep this simple we de-chunk everything consumed and carry only the
        // de-chunked remainder (chunk state lives in the connection).
        std::size_t i = 0;
        scratch_.clear();
        while (i < len) {
            if (c.chunk_state == 0) {
                const char* eol = static_cast<const char*>(std::memchr(p + i, '\n', len - i));
                if (!eol) break;
                c.chunk_left = std::strtoull(std::string(p + i, static_cast<std::size_t>(eol - (p + i))).c_str(), nullptr, 16);
                i = static_cast<std::size_t>(eol - p) + 1;
                c.chunk_state = c.chunk_left ? 1 : 3;
            } else if (c.chunk_state == 1) {
                const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(c.chunk_left, len - i));
                scratch_.append(p + i, take);
                i += take;
                c.chunk_left -= take;
                if (c.chunk_left == 0) c.chunk_state = 2;
            } else if (c.chunk_state == 2) {
                const char* eol = static_cast<const char*>(std::memchr(p + i, '\n', len - i));
                if (!eol) break;
                i = static_cast<std::size_t>(eol - p) + 1;
                c.chunk_state = 0;
            } else {
                i = len;  // last chunk: the stream ends
            }
        }
        // Prepend what an earlier call left unparsed (kept in sse_rest_).
        std::string& rest = sse_rest_[&c - conns_.data()];
        rest.append(scratch_);
        const std::size_t used = parse_sse_events(c, rest.data(), rest.size());
        rest.erase(0, used);
        return i;
    }

    std::size_t parse_sse_events(connection& c, const char* p, std::size_t len) {
        const std::string_view sv(p, len);
        std::size_t used = 0;
        for (;;) {
            std::size_t end = sv.find("\n\n", used);
            std::size_t sep = 2;
            const std::size_t crlf = sv.find("\r\n\r\n", used);
            if (crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
                end = crlf;
                sep = 4;
            }
            if (end == std::string_view::npos) break;
            const std::string_view ev = sv.substr(used, end - used);
            std::size_t line_start = 0;
            bool has_data = false;
            while (line_start <= ev.size()) {
                std::size_t line_end = ev.find('\n', line_start);
                if (line_end == std::string_view::npos) line_end = ev.size();
                std::string_view line = ev.substr(line_start, line_end - line_start);
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                if (line.substr(0, 3) == "id:") {
                    std::string_view v = line.substr(3);
                    if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
                    copy_field(c.last_id, v);
                } else if (line.substr(0, 5) == "data:") {
                    has_data = true;
                }
                line_start = line_end + 1;
            }
            if (has_data) on_message(c, ev);
            used = end + sep;
        }
        return used;
    }

    void on_message(connection& c, std::string_view m) {
        const std::size_t at = m.find("@@");
        if (at == std::string_view::npos || at + 2 + 10 + 1 + 20 > m.size()) return;
        std::uint64_t seq = 0, ts = 0;
        const char* q = m.data() + at + 2;
        for (int i = 0; i < 10; ++i) seq = seq * 10 + static_cast<std::uint64_t>(q[i] - '0');
        q += 11;
        for (int i = 0; i < 20; ++i) ts = ts * 10 + static_cast<std::uint64_t>(q[i] - '0');
        const std::uint64_t now = now_ns();
        hist_.record(now > ts ? now - ts : 0);
        ++c.received;
        if (seq < sequences_) {
            std::uint64_t& word = c.seen[seq / 64];
            const std::uint64_t bit = std::uint64_t{1} << (seq % 64);
            if (word & bit) ++c.duplicates;
            else {
                word |= bit;
                if (++c.unique == sequences_) {
                    ctr_.complete.fetch_add(1, std::memory_order_relaxed);
                    ctr_.last_complete_ns.store(now, std::memory_order_relaxed);
                }
            }
        }
        ctr_.received.fetch_add(1, std::memory_order_relaxed);
        ctr_.last_receive_ns.store(now, std::memory_order_relaxed);
    }

    const config& cfg_;
    unsigned first_;
    std::vector<connection> conns_;
    std::uint64_t sequences_;  // distinct sequences a client should get
    std::size_t words_;
    std::vector<std::uint64_t> bitmap_;
    std::vector<char> rbuf_;
    std::string scratch_;
    std::vector<std::string> sse_rest_ = std::vector<std::string>(conns_.size());
    std::vector<std::uint32_t> reconnect_;
    std::string request_;
    int epfd_ = -1;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> command_{none};
    thread_counters ctr_;
    histogram hist_;
};

// ---------------------------------------------------------------------------

void usage() {
    std::fputs(
        "usage: loadgen MODE [options]\n"
        "modes:\n"
        "  subscribe   N Socket.IO clients (or --proto ws|sse) count messages; with --publish, publishes too\n"
        "  raw-ws      subscribe --proto ws\n"
        "  sse         subscribe --proto sse\n"
        "  idle        N connections that stay connected: connect rate and server RSS per connection\n"
        "  publish     HTTP/1.1 keep-alive POSTs of stamped messages\n"
        "  recover     N clients (--proto sio|sse) get one message, are cut (TCP reset), miss --messages,\n"
        "              reconnect with pid+offset / Last-Event-ID: time until every client has them all\n"
        "options:\n"
        "  --url URL          subscribe/idle target (sio: http://h:p/socket.io/?room=r)\n"
        "  --proto P          sio (default), ws, sse\n"
        "  --clients N        connections (1000)\n"
        "  --threads N        epoll threads (one per core)\n"
        "  --concurrency N    connection attempts in flight per thread (64)\n"
        "  --messages N       messages to publish / expected per client (2000)\n"
        "  --publish URL      POST target (http://h:p/publish?room=r)\n"
        "  --rate R           messages/s (0 = as fast as possible)\n"
        "  --window N         pipelined publish requests in flight (1)\n"
        "  --size N           message bytes (100)\n"
        "  --pid P[,P...]     server processes to sample (CPU, RSS)\n"
        "  --timeout S        overall limit (120)\n"
        "  --stall S          subscribe, recover: give up after S s without progress (10)\n"
        "  --settle S         idle: wait before sampling RSS; recover: wait for late duplicates (2)\n"
        "  --cut-pause S      recover: wait between the cut and the publishing (0.5)\n"
        "  --emit-room R      publish as POST /api/emit {\"room\":R,\"event\":\"m\",\"data\":MESSAGE}\n"
        "  --reconnect        reconnect with pid/offset or Last-Event-ID when the server closes\n"
        "  --label TEXT       copied into the JSON result\n",
        stderr);
    std::exit(2);
}

config parse_args(int argc, char** argv) {
    if (argc < 2) usage();
    config c;
    c.mode = argv[1];
    if (c.mode == "raw-ws") {
        c.mode = "subscribe";
        c.protocol = proto::ws;
    } else if (c.mode == "sse") {
        c.mode = "subscribe";
        c.protocol = proto::sse;
    }
    if (c.mode != "subscribe" && c.mode != "idle" && c.mode != "publish" && c.mode != "recover") usage();
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--url") {
            c.target = parse_url(next());
            c.has_target = true;
        } else if (a == "--proto") {
            const std::string p = next();
            c.protocol = p == "ws" ? proto::ws : p == "sse" ? proto::sse : p == "sio" ? proto::sio : (usage(), proto::sio);
        } else if (a == "--clients") c.clients = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--threads") c.threads = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--concurrency") c.concurrency = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--messages") c.messages = std::stoull(next());
        else if (a == "--publish") {
            c.publish_target = parse_url(next());
            c.has_publish = true;
        } else if (a == "--rate") c.rate = std::stod(next());
        else if (a == "--window") c.window = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--size") c.size = std::stoul(next());
        else if (a == "--pid") {
            std::stringstream ss(next());
            std::string p;
            while (std::getline(ss, p, ','))
                if (!p.empty()) c.pids.push_back(std::stoi(p));
        } else if (a == "--timeout") c.timeout_s = std::stod(next());
        else if (a == "--stall") c.stall_s = std::stod(next());
        else if (a == "--settle") c.settle_s = std::stod(next());
        else if (a == "--cut-pause") c.cut_pause_s = std::stod(next());
        else if (a == "--emit-room") c.emit_room = next();
        else if (a == "--reconnect") c.reconnect = true;
        else if (a == "--label") c.label = next();
        else usage();
    }
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    if (c.size < 34) c.size = 34;  // the stamp must fit
    if (c.mode == "publish" && !c.has_publish) {
        if (!c.has_target) usage();
        c.publish_target = c.target;
        c.has_publish = true;
    }
    if (c.mode != "publish" && !c.has_target) usage();
    if (c.mode == "recover" && (!c.has_publish || c.protocol == proto::ws)) {
        std::fputs("loadgen: recover needs --publish and --proto sio or sse (plain WebSocket has no resume point)\n", stderr);
        std::exit(2);
    }
    return c;
}

const char* proto_name(proto p) { return p == proto::sio ? "sio" : p == proto::ws ? "ws" : "sse"; }

int run_publish(const config& cfg) {
    std::atomic<bool> stop{false};
    const proc_sample before = sample_procs(cfg.pids);
    publisher pub(cfg);
    const publish_result r = pub.run(stop, 0, cfg.messages);
    const proc_sample after = sample_procs(cfg.pids);
    const double secs = seconds_between(r.start_ns, r.end_ns);
    std::printf("{\"mode\":\"publish\",\"label\":\"%s\",\"messages\":%" PRIu64 ",\"errors\":%" PRIu64
                ",\"seconds\":%.6f,\"rate\":%.1f,\"server_cpu_us\":%" PRIu64 "}\n",
                json_escape(cfg.label).c_str(), r.sent, r.errors, secs, secs > 0 ? static_cast<double>(r.sent) / secs : 0.0,
                after.cpu_us > before.cpu_us ? after.cpu_us - before.cpu_us : 0);
    return r.errors == 0 && r.sent == cfg.messages ? 0 : 1;
}

int run_clients(const config& cfg) {
    const proc_sample at_start = sample_procs(cfg.pids);
    std::vector<std::unique_ptr<worker>> workers;
    const unsigned threads = std::min(cfg.threads, std::max(1u, cfg.clients));
    for (unsigned t = 0, first = 0; t < threads; ++t) {
        const unsigned count = cfg.clients / threads + (t < cfg.clients % threads ? 1 : 0);
        workers.push_back(std::make_unique<worker>(cfg, first, count));
        first += count;
    }
    const std::uint64_t t0 = now_ns();
    const std::uint64_t deadline = t0 + static_cast<std::uint64_t>(cfg.timeout_s * 1e9);
    for (auto& w : workers) w->start();

    auto total = [&](auto field) {
        std::uint64_t s = 0;
        for (auto& w : workers) s += (w->counters().*field).load();
        return s;
    };
    // Wait until every client is connected or has failed.
    while (total(&thread_counters::connected) + total(&thread_counters::failed) < cfg.clients && now_ns() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::uint64_t t_connected = 0;
    for (auto& w : workers) t_connected = std::max(t_connected, w->counters().all_connected_ns.load());
    if (t_connected == 0) t_connected = now_ns();
    const std::uint64_t connected = total(&thread_counters::connected);
    const std::uint64_t failed = total(&thread_counters::failed);
    const double connect_s = seconds_between(t0, t_connected);
    std::fprintf(stderr, "loadgen: %" PRIu64 " connected, %" PRIu64 " failed in %.3f s\n", connected, failed, connect_s);

    proc_sample s_before{}, s_after{};
    publish_result pub{};
    std::uint64_t end_ns = 0;
    // recover mode
    publish_result warm_pub{};
    std::uint64_t warm_received = 0, rec_start_ns = 0, rec_reconnected_ns = 0, rec_complete_ns = 0;
    if (cfg.mode == "idle") {
        std::this_thread::sleep_for(std::chrono::duration<double>(cfg.settle_s));
        s_after = sample_procs(cfg.pids);
        s_before = at_start;
    } else if (cfg.mode == "recover") {
        const std::atomic<bool> no_stop{false};
        const auto stall = static_cast<std::uint64_t>(cfg.stall_s * 1e9);
        // 1. One message (sequence 0) to everyone, so that each client holds a
        //    resume point: Node restores a session only from an offset it knows.
        warm_pub = publisher(cfg).run(no_stop, 0, 1);
        const std::uint64_t warm_deadline = std::min(deadline, now_ns() + stall);
        while (total(&thread_counters::received) < connected && now_ns() < warm_deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        warm_received = total(&thread_counters::received);
        // 2. The cut: every connection reset at once.
        for (auto& w : workers) w->order(worker::cut);
        const std::uint64_t cut_deadline = now_ns() + 5'000'000'000ULL;
        auto all_cut = [&] {
            for (auto& w : workers)
                if (!w->counters().cut_done.load()) return false;
            return true;
        };
        while (!all_cut() && now_ns() < cut_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::duration<double>(cfg.cut_pause_s));
        // 3. What they miss: sequences 1..messages, each acknowledged by the server.
        pub = publisher(cfg).run(no_stop, 1, cfg.messages);
        // 4. Everyone back with its resume point; done when every client holds every sequence.
        s_before = sample_procs(cfg.pids);
        rec_start_ns = now_ns();
        for (auto& w : workers) w->order(worker::reconnect_all);
        std::uint64_t last_progress = rec_start_ns, last_count = 0;
        while (now_ns() < deadline) {
            if (total(&thread_counters::complete) >= connected) break;
            const std::uint64_t progress = total(&thread_counters::received) + total(&thread_counters::reconnected);
            const std::uint64_t now = now_ns();
            if (progress != last_count) {
                last_count = progress;
                last_progress = now;
            } else if (now - last_progress > stall) {
                std::fprintf(stderr, "loadgen: recovery stalled: %" PRIu64 "/%" PRIu64 " clients complete\n",
                             total(&thread_counters::complete), connected);
                break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        s_after = sample_procs(cfg.pids);
        // Duplicates may still be on their way: wait a little before counting.
        std::this_thread::sleep_for(std::chrono::duration<double>(cfg.settle_s));
        for (auto& w : workers) {
            rec_reconnected_ns = std::max(rec_reconnected_ns, w->counters().all_reconnected_ns.load());
            rec_complete_ns = std::max(rec_complete_ns, w->counters().last_complete_ns.load());
            end_ns = std::max(end_ns, w->counters().last_receive_ns.load());
        }
    } else {
        s_before = sample_procs(cfg.pids);
        std::atomic<bool> stop_pub{false};
        std::thread pub_thread;
        std::atomic<bool> pub_done{!cfg.has_publish};
        if (cfg.has_publish) {
            pub_thread = std::thread([&] {
                publisher p(cfg);
                pub = p.run(stop_pub, 0, cfg.messages);
                pub_done.store(true);
            });
        } else {
            std::fprintf(stderr, "loadgen: ready\n");
        }
        const std::uint64_t expected = connected * cfg.messages;
        std::uint64_t last_progress = now_ns(), last_count = 0;
        while (now_ns() < deadline) {
            const std::uint64_t got = total(&thread_counters::received);
            if (got >= expected && pub_done.load()) break;
            const std::uint64_t now = now_ns();
            if (got != last_count) {
                last_count = got;
                last_progress = now;
            } else if ((pub_done.load() || got > 0) && now - last_progress > static_cast<std::uint64_t>(cfg.stall_s * 1e9)) {
                std::fprintf(stderr, "loadgen: stalled at %" PRIu64 "/%" PRIu64 " deliveries\n", got, expected);
                break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        s_after = sample_procs(cfg.pids);
        stop_pub.store(true);
        if (pub_thread.joinable()) pub_thread.join();
        for (auto& w : workers) end_ns = std::max(end_ns, w->counters().last_receive_ns.load());
    }
    for (auto& w : workers) w->stop();
    for (auto& w : workers) w->join();

    histogram hist;
    worker::totals t;
    for (auto& w : workers) {
        hist.merge(w->latency());
        const auto wt = w->sum(cfg.sequences());
        t.unique += wt.unique;
        t.duplicates += wt.duplicates;
        t.received += wt.received;
        t.lost += wt.lost;
    }
    const std::uint64_t closed = total(&thread_counters::closed_by_server);
    const std::uint64_t reconnects = total(&thread_counters::reconnects);
    // A server that died in between reads as 0, not as a wrapped-around difference.
    const std::uint64_t cpu_us = s_after.cpu_us > s_before.cpu_us ? s_after.cpu_us - s_before.cpu_us : 0;
    const auto rss_delta = static_cast<double>(s_after.rss_kib) - static_cast<double>(s_before.rss_kib);

    char buf[4096];
    int n = std::snprintf(buf, sizeof buf,
                          "{\"mode\":\"%s\",\"proto\":\"%s\",\"label\":\"%s\",\"clients\":%u,\"threads\":%u,"
                          "\"connected\":%" PRIu64 ",\"connect_failed\":%" PRIu64
                          ",\"connect_s\":%.4f,\"connect_rate\":%.1f",
                          cfg.mode.c_str(), proto_name(cfg.protocol), json_escape(cfg.label).c_str(), cfg.clients,
                          threads, connected, failed, connect_s,
                          connect_s > 0 ? static_cast<double>(connected) / connect_s : 0.0);
    std::string out(buf, static_cast<std::size_t>(n));
    if (cfg.mode == "idle") {
        n = std::snprintf(buf, sizeof buf,
                          ",\"server_rss_kib_before\":%" PRIu64 ",\"server_rss_kib_after\":%" PRIu64
                          ",\"kib_per_connection\":%.3f",
                          s_before.rss_kib, s_after.rss_kib, connected ? rss_delta / static_cast<double>(connected) : 0.0);
        out.append(buf, static_cast<std::size_t>(n));
    } else if (cfg.mode == "recover") {
        const std::uint64_t complete = total(&thread_counters::complete);
        // Until the last client held everything; when some never did, until the last delivery.
        const std::uint64_t done_ns = complete >= connected ? rec_complete_ns : end_ns;
        n = std::snprintf(
            buf, sizeof buf,
            ",\"messages\":%" PRIu64 ",\"warmup_received\":%" PRIu64 ",\"published\":%" PRIu64
            ",\"publish_errors\":%" PRIu64 ",\"publish_s\":%.4f,\"reconnected\":%" PRIu64
            ",\"recovered_sessions\":%" PRIu64 ",\"complete\":%" PRIu64 ",\"reconnect_s\":%.4f"
            ",\"recovery_s\":%.4f,\"expected\":%" PRIu64 ",\"received\":%" PRIu64 ",\"unique\":%" PRIu64
            ",\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"closed_by_server\":%" PRIu64
            ",\"server_cpu_us\":%" PRIu64 ",\"server_rss_kib\":%" PRIu64,
            cfg.messages, warm_received, warm_pub.sent + pub.sent, warm_pub.errors + pub.errors,
            seconds_between(pub.start_ns, pub.end_ns), total(&thread_counters::reconnected),
            total(&thread_counters::recovered), complete, seconds_between(rec_start_ns, rec_reconnected_ns),
            seconds_between(rec_start_ns, done_ns), connected * cfg.sequences(), t.received, t.unique, t.lost,
            t.duplicates, closed, cpu_us, s_after.rss_kib);
        out.append(buf, static_cast<std::size_t>(n));
    } else {
        const double secs = seconds_between(pub.start_ns ? pub.start_ns : t_connected, end_ns);
        n = std::snprintf(
            buf, sizeof buf,
            ",\"messages\":%" PRIu64 ",\"published\":%" PRIu64 ",\"publish_errors\":%" PRIu64
            ",\"publish_s\":%.4f,\"expected\":%" PRIu64 ",\"received\":%" PRIu64 ",\"unique\":%" PRIu64
            ",\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"closed_by_server\":%" PRIu64
            ",\"reconnects\":%" PRIu64 ",\"duration_s\":%.4f,\"deliveries_per_s\":%.1f"
            ",\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}"
            ",\"server_cpu_us\":%" PRIu64 ",\"cpu_us_per_delivery\":%.4f,\"server_rss_kib\":%" PRIu64,
            cfg.messages, pub.sent, pub.errors, seconds_between(pub.start_ns, pub.end_ns), connected * cfg.messages,
            t.received, t.unique, t.lost, t.duplicates, closed, reconnects, secs,
            secs > 0 ? static_cast<double>(t.received) / secs : 0.0, static_cast<double>(hist.percentile(50)) / 1e3,
            static_cast<double>(hist.percentile(99)) / 1e3, static_cast<double>(hist.percentile(99.9)) / 1e3,
            static_cast<double>(hist.max()) / 1e3, cpu_us,
            t.received ? static_cast<double>(cpu_us) / static_cast<double>(t.received) : 0.0, s_after.rss_kib);
        out.append(buf, static_cast<std::size_t>(n));
    }
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    if (connected < cfg.clients) return 1;
    if ((cfg.mode == "subscribe" || cfg.mode == "recover") && (t.lost != 0 || t.duplicates != 0)) return 1;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const config cfg = parse_args(argc, argv);
    if (cfg.mode == "publish") return run_publish(cfg);
    return run_clients(cfg);
}
