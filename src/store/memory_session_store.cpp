// The memory session store (library default): one map under one mutex. Every
// call completes inline. It deliberately does nothing the process cannot
// outlive: a record saved as connected always belongs to a live socket here,
// because a crash takes the store with it.
#include <ferry/session_store.hpp>

#include "store/session_rules.hpp"
#include "store/string_map.hpp"

#include <mutex>

namespace ferry::store {
namespace {

class memory_session_store final : public session_store {
public:
    memory_session_store(session_clock clock, std::chrono::milliseconds expire_after)
        : clock_(clock_or_system(std::move(clock))),
          expire_after_(expire_after),
          next_expiry_(clock_() + session_expiry_interval) {}

    void save(session_record record) override {
        round_times(record);
        std::string pid = record.pid;
        std::lock_guard lock(mu_);
        // Expiry rides on saves: they come with every connect, join and
        // disconnect, so an active server expires about every interval, and
        // an idle one holds nothing new to expire.
        expire_if_due_locked();
        records_.insert_or_assign(std::move(pid), std::move(record));
    }

    void remove(const std::string& pid) override {
        std::lock_guard lock(mu_);
        records_.erase(pid);
    }

    void take(const std::string& pid, std::chrono::milliseconds max_age,
              std::function<void(result<std::optional<session_record>>)> done) override {
        std::optional<session_record> found;
        {
            std::lock_guard lock(mu_);
            if (const auto it = records_.find(pid); it != records_.end()) {
                switch (judge(it->second, clock_(), max_age)) {
                    case take_verdict::live: found = it->second; break;  // stays: a socket owns it
                    case take_verdict::expired: records_.erase(it); break;
                    case take_verdict::recoverable:
                        found = std::move(it->second);
                        records_.erase(it);
                        break;
                }
            }
        }
        done(std::move(found));
    }

    void expire(std::chrono::milliseconds max_age) override {
        std::lock_guard lock(mu_);
        expire_locked(clock_(), max_age);
    }

    void flush() override {}  // nothing is ever pending

private:
    void expire_locked(std::chrono::system_clock::time_point now, std::chrono::milliseconds max_age) {
        std::erase_if(records_, [&](const auto& entry) {
            return judge(entry.second, now, max_age) == take_verdict::expired;
        });
    }

    void expire_if_due_locked() {
        if (expire_after_.count() <= 0) return;
        const auto now = clock_();
        if (now < next_expiry_) return;
        expire_locked(now, expire_after_);
        next_expiry_ = now + session_expiry_interval;
    }

    const session_clock clock_;
    const std::chrono::milliseconds expire_after_;
    std::mutex mu_;
    string_map<session_record> records_;  // by pid
    std::chrono::system_clock::time_point next_expiry_;
};

}  // namespace
}  // namespace ferry::store

namespace ferry {

std::unique_ptr<session_store> make_memory_session_store(std::function<std::chrono::system_clock::time_point()> clock,
                                                         std::chrono::milliseconds expire_after) {
    return std::make_unique<store::memory_session_store>(std::move(clock), expire_after);
}

}  // namespace ferry
