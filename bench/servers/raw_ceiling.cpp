// raw_ceiling — the practical ceiling of the box for fan-out (issue 5).
//
// No protocol logic: it accepts WebSocket upgrades (minimal RFC 6455
// handshake, any path), and on `POST /publish` turns the body into one
// unmasked text frame, built once, and writes it to every connection. One
// epoll thread per core, each with its own SO_REUSEPORT listener and its own
// connections; a publish is handed to every thread through a mailbox and an
// eventfd. A thread writes all frames that arrived since it last woke with
// one writev per connection (the same iovec array for every connection).
//
// What it deliberately does not do: rooms, parsing client frames (they are
// discarded), pings, backpressure limits (a slow client just accumulates a
// backlog), TLS.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using frame_ptr = std::shared_ptr<const std::string>;

std::atomic<bool> stopping{false};

std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return o;
}

std::string header(std::string_view head, std::string_view name) {
    const std::string l = lower(head);
    const std::string key = "\r\n" + std::string(name) + ":";
    const std::size_t at = l.find(key);
    if (at == std::string::npos) return {};
    std::size_t start = at + key.size();
    while (start < head.size() && head[start] == ' ') ++start;
    const std::size_t end = head.find("\r\n", start);
    return std::string(head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

std::string accept_key(const std::string& key) {
    const std::string in = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
    unsigned char out[64];
    const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

frame_ptr make_frame(std::string_view payload) {
    auto f = std::make_shared<std::string>();
    f->push_back(static_cast<char>(0x81));
    if (payload.size() < 126) {
        f->push_back(static_cast<char>(payload.size()));
    } else if (payload.size() < 65536) {
        f->push_back(static_cast<char>(126));
        f->push_back(static_cast<char>(payload.size() >> 8));
        f->push_back(static_cast<char>(payload.size() & 0xff));
    } else {
        f->push_back(static_cast<char>(127));
        for (int i = 7; i >= 0; --i) f->push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
    }
    f->append(payload);
    return f;
}

class loop;
std::vector<std::unique_ptr<loop>> loops;

class loop {
public:
    explicit loop(unsigned short port) {
        epfd_ = epoll_create1(EPOLL_CLOEXEC);
        efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 4096) != 0) {
            std::perror("raw_ceiling: bind");
            std::exit(1);
        }
        add(listen_fd_, EPOLLIN);
        add(efd_, EPOLLIN);
    }

    unsigned short port() const {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        return ntohs(a.sin_port);
    }

    // Any thread: queue a frame for this loop's connections.
    void post(const frame_ptr& f) {
        {
            std::lock_guard lock(mutex_);
            mailbox_.push_back(f);
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = write(efd_, &one, sizeof one);
    }

    void run() {
        std::array<epoll_event, 512> events;
        while (!stopping.load(std::memory_order_relaxed)) {
            const int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 100);
            for (int i = 0; i < n; ++i) {
                const int fd = events[static_cast<std::size_t>(i)].data.fd;
                const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
                if (fd == listen_fd_) accept_all();
                else if (fd == efd_) deliver();
                else on_event(fd, ev);
            }
        }
    }

private:
    struct conn {
        std::string in;        // unparsed HTTP bytes
        bool websocket = false;
        std::string backlog;   // bytes a writev could not take
    };

    void add(int fd, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    }
    void mod(int fd, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
    }

    void accept_all() {
        for (;;) {
            const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            conns_.emplace(fd, conn{});
            add(fd, EPOLLIN);
        }
    }

    void drop(int fd) {
        auto it = conns_.find(fd);
        if (it == conns_.end()) return;
        if (it->second.websocket) {
            auto& v = ws_;
            v.erase(std::find(v.begin(), v.end(), fd));
        }
        conns_.erase(it);
        close(fd);
    }

    void on_event(int fd, std::uint32_t ev) {
        auto it = conns_.find(fd);
        if (it == conns_.end()) return;
        conn& c = it->second;
        if ((ev & EPOLLOUT) && !c.backlog.empty()) {
            const ssize_t n = send(fd, c.backlog.data(), c.backlog.size(), MSG_NOSIGNAL);
            if (n > 0) c.backlog.erase(0, static_cast<std::size_t>(n));
            if (c.backlog.empty()) mod(fd, EPOLLIN);
        }
        if (!(ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
        char buf[65536];
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
            return drop(fd);
        }
        if (c.websocket) return;  // client frames are not interpreted
        c.in.append(buf, static_cast<std::size_t>(n));
        handle_http(fd);
    }

    // Handles every complete request in the buffer (pipelining works).
    void handle_http(int fd) {
        for (;;) {
            auto it = conns_.find(fd);
            if (it == conns_.end()) return;
            conn& c = it->second;
            const std::size_t end = c.in.find("\r\n\r\n");
            if (end == std::string::npos) return;
            const std::string_view head(c.in.data(), end);
            if (!lower(header(head, "upgrade")).empty()) {
                const std::string key = header(head, "sec-websocket-key");
                const std::string res = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                        "Sec-WebSocket-Accept: " + accept_key(key) + "\r\n\r\n";
                send(fd, res.data(), res.size(), MSG_NOSIGNAL);
                c.in.clear();
                c.in.shrink_to_fit();
                c.websocket = true;
                ws_.push_back(fd);
                return;
            }
            const std::size_t body_len = std::strtoull(header(head, "content-length").c_str(), nullptr, 10);
            if (c.in.size() < end + 4 + body_len) return;
            const bool publish = head.substr(0, 14) == "POST /publish?" || head.substr(0, 14) == "POST /publish ";
            std::string_view res;
            if (publish) {
                const frame_ptr f = make_frame(std::string_view(c.in).substr(end + 4, body_len));
                for (auto& l : loops) l->post(f);
                res = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
            } else if (head.substr(0, 12) == "GET /healthz") {
                res = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            } else {
                res = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
            }
            send(fd, res.data(), res.size(), MSG_NOSIGNAL);
            c.in.erase(0, end + 4 + body_len);
        }
    }

    // Writes every frame that arrived since the last wake-up to every
    // WebSocket, one writev per connection with one shared iovec array.
    void deliver() {
        std::uint64_t count;
        [[maybe_unused]] const ssize_t r = read(efd_, &count, sizeof count);
        {
            std::lock_guard lock(mutex_);
            batch_.swap(mailbox_);
        }
        if (batch_.empty()) return;
        iov_.clear();
        std::size_t total = 0;
        for (const auto& f : batch_) {
            iov_.push_back(iovec{const_cast<char*>(f->data()), f->size()});
            total += f->size();
        }
        const std::size_t max_iov = 1024;
        for (int fd : ws_) {
            conn& c = conns_[fd];
            if (!c.backlog.empty()) {
                for (const auto& f : batch_) c.backlog.append(*f);
                continue;
            }
            std::size_t written = 0;
            for (std::size_t first = 0; first < iov_.size(); first += max_iov) {
                const std::size_t cnt = std::min(max_iov, iov_.size() - first);
                const ssize_t n = writev(fd, iov_.data() + first, static_cast<int>(cnt));
                std::size_t part = 0;
                for (std::size_t i = first; i < first + cnt; ++i) part += iov_[i].iov_len;
                if (n < 0) break;
                written += static_cast<std::size_t>(n);
                if (static_cast<std::size_t>(n) < part) break;
            }
            if (written < total) {
                // Keep the unwritten tail and wait for EPOLLOUT.
                std::size_t skip = written;
                for (const auto& f : batch_) {
                    if (skip >= f->size()) {
                        skip -= f->size();
                        continue;
                    }
                    c.backlog.append(*f, skip, std::string::npos);
                    skip = 0;
                }
                mod(fd, EPOLLIN | EPOLLOUT);
            }
        }
        batch_.clear();
    }

    int epfd_ = -1;
    int efd_ = -1;
    int listen_fd_ = -1;
    std::unordered_map<int, conn> conns_;
    std::vector<int> ws_;
    std::mutex mutex_;
    std::vector<frame_ptr> mailbox_;
    std::vector<frame_ptr> batch_;
    std::vector<iovec> iov_;
};

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 3000;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--port") port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        else if (a == "--threads" || a == "--workers") threads = static_cast<unsigned>(std::max(1, std::atoi(argv[i + 1])));
        else {
            std::fprintf(stderr, "usage: raw_ceiling [--port P] [--threads N]\n");
            return 2;
        }
    }
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa{};
    sa.sa_handler = [](int) { stopping.store(true); };
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    loops.push_back(std::make_unique<loop>(port));
    port = loops.front()->port();  // port 0: every listener shares the one picked first
    for (unsigned i = 1; i < threads; ++i) loops.push_back(std::make_unique<loop>(port));
    std::printf("raw_ceiling listening on http://127.0.0.1:%u with %u thread(s)\n", static_cast<unsigned>(port), threads);
    std::fflush(stdout);
    std::vector<std::thread> pool;
    for (auto& l : loops) pool.emplace_back([&l] { l->run(); });
    for (auto& t : pool) t.join();
    return 0;
}
