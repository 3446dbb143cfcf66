// Appends per second of each event_store backend and durability mode, with
// many appends in flight (the daemon's case: many publishers, group commit)
// and, for SQLite sync mode, with one at a time (one fsync per append).
// Not part of `make test`: build the store_bench target and run it by hand,
// e.g. `store_bench --benchmark_min_time=2`. Files go to a temp dir in /tmp.
#include <ferry/event_store.hpp>

#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

namespace {

class temp_dir {
public:
    temp_dir() {
        std::string tmpl = "/tmp/ferry-bench-XXXXXX";
        if (!mkdtemp(tmpl.data())) std::abort();
        path_ = tmpl;
    }
    ~temp_dir() { std::filesystem::remove_all(path_); }
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

ferry::event_record event() {
    ferry::event_record r;
    r.rooms = {"room-1"};
    r.payload = R"(["tick",{"price":101.25,"size":300,"symbol":"ACME"}])";
    return r;
}

void run(benchmark::State& state, ferry::event_store& store, std::size_t window) {
    in_flight limit(window);
    for (auto _ : state) {
        limit.acquire();
        store.append(event(), [&limit](ferry::result<ferry::offset> r) {
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

}  // namespace

BENCHMARK(memory_store)->UseRealTime();
BENCHMARK(sqlite_sync)->Arg(1)->Arg(256)->UseRealTime();
BENCHMARK(sqlite_batch)->Arg(256)->Arg(4096)->UseRealTime();
BENCHMARK_MAIN();
