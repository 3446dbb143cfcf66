// Appends per second of each event_store backend and durability mode, with
// many appends in flight (the daemon's case: many publishers, group commit)
// and, for SQLite sync mode, with one at a time (one fsync per append).
// Not part of `make test`: build the store_bench target and run it by hand.
//
// Two modes:
//   store_bench [--benchmark_...]   Google Benchmark (when built with it), e.g.
//                                   --benchmark_min_time=2
//   store_bench --json [--seconds S] [--in-flight K] [--payload-bytes B] [--rooms R] [--policy P]...
//       issue 5 scenario 5 for bench/run.sh: for each policy (memory,
//       sqlite-batch, sqlite-sync; all unless --policy is given) appends for
//       S seconds with K in flight (the memory store acknowledges inline, so
//       it never has more than one), each event to one of R rooms in turn
//       (default 1), then prints one JSON line:
//       {"mode":"append","policy":"sqlite-batch","events":N,"seconds":S,
//        "events_per_s":R,"in_flight":K,"payload_bytes":B}
// Files go to a temp dir in /tmp, removed afterwards. The stores have the
// daemon's default retention (1000 events per room), so the SQLite figures
// include trimming what the appends push out.
#include <ferry/event_store.hpp>

#ifdef FERRY_STORE_BENCH_GOOGLE
#include <benchmark/benchmark.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

class temp_dir {
public:
    temp_dir() {
        std::string tmpl = "/tmp/ferry-bench-XXXXXX";
        if (!mkdtemp(tmpl.data())) std::abort();
        path_ = tmpl;
    }
    ~temp_dir() { std::filesystem::remove_all(path_); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string file() const { return (path_ / "events.db").string(); }

private:
    std::filesystem::path path_;
};

// Limits the appends in flight, like publishers waiting for their acks.
class in_flight {
public:
    explicit in_flight(std::size_t max) : max_(max) {}
    void acquire() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return n_ < max_; });
        ++n_;
    }
    void release() {
        {
            std::lock_guard lock(mu_);
            --n_;
        }
        cv_.notify_all();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::size_t n_ = 0;
    std::size_t max_;
};

ferry::event_record event(const std::string& payload, std::string room = "room-1") {
    ferry::event_record r;
    r.rooms = {std::move(room)};
    r.payload = payload;
    return r;
}

// A Socket.IO EVENT payload of exactly `bytes` bytes (at least the 12 of its frame).
std::string payload_of(std::size_t bytes) {
    std::string p = R"(["tick",")";
    const std::string end = R"("])";
    const std::size_t frame = p.size() + end.size();
    p.append(bytes > frame ? bytes - frame : 0, 'x');
    return p + end;
}

#ifdef FERRY_STORE_BENCH_GOOGLE
const std::string default_payload = R"(["tick",{"price":101.25,"size":300,"symbol":"ACME"}])";

void run(benchmark::State& state, ferry::event_store& store, std::size_t window) {
    in_flight limit(window);
    for (auto _ : state) {
        limit.acquire();
        store.append(event(default_payload), [&limit](ferry::result<ferry::offset> r) {
            if (!r) std::abort();
            limit.release();
        });
    }
    store.flush();
    state.SetItemsProcessed(state.iterations());
}

void memory_store(benchmark::State& state) {
    ferry::retention_policy p;
    p.max_events = 100000;
    auto store = ferry::make_memory_store(p);
    run(state, *store, 1);
}

void sqlite_store(benchmark::State& state, ferry::durability mode) {
    temp_dir dir;
    ferry::sqlite_options o;
    o.path = dir.file();
    o.mode = mode;
    auto store = ferry::make_sqlite_store(o);
    run(state, *store, static_cast<std::size_t>(state.range(0)));
}

void sqlite_sync(benchmark::State& state) { sqlite_store(state, ferry::durability::sync); }
void sqlite_batch(benchmark::State& state) { sqlite_store(state, ferry::durability::batch); }

BENCHMARK(memory_store)->UseRealTime();
BENCHMARK(sqlite_sync)->Arg(1)->Arg(256)->UseRealTime();
BENCHMARK(sqlite_batch)->Arg(256)->Arg(4096)->UseRealTime();
#endif

// --json: fixed-duration runs, one JSON line per policy.
struct json_options {
    double seconds = 4;
    std::size_t in_flight = 4096;
    std::size_t payload_bytes = 64;
    std::size_t rooms = 1;  // events go to room-1, room-2, ... in turn
    std::vector<std::string> policies;
};

void report(const json_options& o, const std::string& policy, std::uint64_t events, double seconds) {
    std::printf(
        R"({"mode":"append","policy":"%s","events":%llu,"seconds":%.3f,"events_per_s":%.0f,)"
        R"("in_flight":%zu,"payload_bytes":%zu})"
        "\n",
        policy.c_str(), static_cast<unsigned long long>(events), seconds, seconds > 0 ? events / seconds : 0.0,
        o.in_flight, o.payload_bytes);
    std::fflush(stdout);
}

// Appends for o.seconds with o.in_flight in flight; counts the acknowledged
// ones until flush() returns, which ends the measured time.
void run_for(const json_options& o, const std::string& policy, ferry::event_store& store) {
    using clock = std::chrono::steady_clock;
    const auto payload = payload_of(o.payload_bytes);
    std::vector<std::string> rooms;
    for (std::size_t i = 1; i <= o.rooms; ++i) rooms.push_back("room-" + std::to_string(i));
    in_flight limit(o.in_flight);
    std::atomic<std::uint64_t> acknowledged{0};
    const auto start = clock::now();
    const auto deadline = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.seconds));
    // Reads the clock every 256 appends: that costs as much as a memory append.
    for (std::uint64_t n = 0; (n & 255) != 0 || clock::now() < deadline; ++n) {
        limit.acquire();
        store.append(event(payload, rooms[n % rooms.size()]), [&](ferry::result<ferry::offset> r) {
            if (!r) {
                std::fprintf(stderr, "store_bench: append failed: %s\n", r.error().message().c_str());
                std::abort();
            }
            acknowledged.fetch_add(1, std::memory_order_relaxed);
            limit.release();
        });
    }
    store.flush();
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    report(o, policy, acknowledged.load(), seconds);
}

int run_json(json_options o) {
    o.payload_bytes = payload_of(o.payload_bytes).size();  // what is measured, if asked for less than a frame
    const std::vector<std::string> all = {"memory", "sqlite-batch", "sqlite-sync"};
    const auto policies = o.policies.empty() ? all : o.policies;
    for (const auto& policy : policies) {
        if (std::find(all.begin(), all.end(), policy) == all.end()) {
            std::fprintf(stderr, "store_bench: unknown policy %s (memory, sqlite-batch, sqlite-sync)\n",
                         policy.c_str());
            return 2;
        }
    }
    for (const auto& policy : policies) {
        if (policy == "memory") {
            auto store = ferry::make_memory_store();
            run_for(o, policy, *store);
            continue;
        }
        temp_dir dir;
        ferry::sqlite_options so;
        so.path = dir.file();
        so.mode = policy == "sqlite-sync" ? ferry::durability::sync : ferry::durability::batch;
        auto store = ferry::make_sqlite_store(so);
        run_for(o, policy, *store);
    }
    return 0;
}

// Parses --json's options; false on a bad argument.
bool parse_json_options(int argc, char** argv, json_options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (arg == "--json") continue;
        const char* v = nullptr;
        if (arg == "--seconds" && (v = value())) {
            o.seconds = std::strtod(v, nullptr);
            if (!(o.seconds > 0)) return false;
        } else if (arg == "--in-flight" && (v = value())) {
            o.in_flight = std::strtoull(v, nullptr, 10);
            if (o.in_flight == 0) return false;
        } else if (arg == "--payload-bytes" && (v = value())) {
            o.payload_bytes = std::strtoull(v, nullptr, 10);
        } else if (arg == "--rooms" && (v = value())) {
            o.rooms = std::strtoull(v, nullptr, 10);
            if (o.rooms == 0) return false;
        } else if (arg == "--policy" && (v = value())) {
            o.policies.emplace_back(v);
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0) {
            json_options o;
            if (!parse_json_options(argc, argv, o)) {
                std::fprintf(stderr,
                             "usage: store_bench --json [--seconds S] [--in-flight K] [--payload-bytes B] [--rooms R] "
                             "[--policy memory|sqlite-batch|sqlite-sync]...\n");
                return 2;
            }
            return run_json(o);
        }
    }
#ifdef FERRY_STORE_BENCH_GOOGLE
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
#else
    std::fprintf(stderr, "store_bench: built without Google Benchmark; use --json\n");
    return 2;
#endif
}
